using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmtpTap.Core.Transcript;

/// <summary>Which TLS leg of a session.</summary>
internal enum TlsLeg
{
    /// <summary>Client to tap: the certificate is the one the tap presented (issued by its local CA).</summary>
    Client,

    /// <summary>Tap to server: the certificate is the upstream server's.</summary>
    Upstream,
}

/// <summary>Whether the certificate of a leg was checked, and how that came out.</summary>
internal enum TlsTrust
{
    /// <summary>Verified (system trust store or --upstream-ca, host name matches).</summary>
    Trusted,

    /// <summary>Checked and found wanting (the verdict says why); the handshake was refused, or went on under --upstream-insecure.</summary>
    NotTrusted,

    /// <summary>Not checked by the tap (the client leg: the client checks the tap's certificate, and the tap cannot see whether it did).</summary>
    NotChecked,
}

/// <summary>
/// The outcome of one leg's TLS handshake as a typed transcript fact: the certificate of that leg (subject, issuer,
/// validity, SHA-256 fingerprint) and the verification verdict. Published with the "Certificate of the ... leg" event,
/// so the text and JSON transcripts carry the fingerprint too. A certificate holds no secret.
/// </summary>
internal sealed record TlsLegCertificate(
    TlsLeg Leg,
    string? Protocol,
    string? CipherSuite,
    string Subject,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha256,
    TlsTrust Trust,
    string Verdict)
{
    /// <summary>The certificate's facts; subject and issuer are shown as transcript text (controls and bidi overrides escaped).</summary>
    public static TlsLegCertificate Of(TlsLeg leg, X509Certificate certificate, string? protocol, string? cipherSuite, TlsTrust trust, string verdict)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return new TlsLegCertificate(
            leg,
            protocol,
            cipherSuite,
            Safe(cert.Subject),
            Safe(cert.Issuer),
            new DateTimeOffset(cert.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            Fingerprint(cert),
            trust,
            verdict);
    }

    /// <summary>"client" or "upstream", as the transcript line and the API name the leg.</summary>
    public string LegName => Leg == TlsLeg.Client ? "client" : "upstream";

    /// <summary>"trusted", "not-trusted" or "not-checked".</summary>
    public string TrustName => Trust switch
    {
        TlsTrust.Trusted => "trusted",
        TlsTrust.NotTrusted => "not-trusted",
        _ => "not-checked",
    };

    /// <summary>SHA-256 of the DER certificate as upper-case hex pairs joined by colons (as <c>smtptap cert show</c> prints it).</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
    }

    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Safe(string text) => TranscriptText.Decode(Encoding.UTF8.GetBytes(text));
}
