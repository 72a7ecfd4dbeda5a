using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Decides whether the upstream certificate is acceptable: system trust store and host name by default,
/// plus extra trusted CAs (--upstream-ca), or no checks at all when insecure (--upstream-insecure), which
/// the verdict then says. One instance per handshake; <see cref="Verdict"/> describes the outcome.
/// </summary>
internal sealed class UpstreamCertificateValidator(IReadOnlyList<X509Certificate2> extraTrustedCas, bool insecure)
{
    public string Verdict { get; private set; } = "not checked";

    /// <summary>The certificate the server presented with this verdict (null until the handshake reached the check, or if it sent none).</summary>
    public TlsLegCertificate? Certificate { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var accepted = Decide(certificate, errors);
        if (certificate is not null)
        {
            var trust = Verdict.StartsWith("verified", StringComparison.Ordinal) ? TlsTrust.Trusted : TlsTrust.NotTrusted;
            Certificate = TlsLegCertificate.Of(TlsLeg.Upstream, certificate, null, null, trust, Verdict);
        }

        return accepted;
    }

    private bool Decide(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Verdict = "server sent no certificate";
            return insecure;
        }

        var problem = Describe(errors);
        if (!HasSubjectAltNames(certificate))
        {
            // RFC 9525 (obsoletes RFC 6125) drops the CN fallback; the platform name check may still use it.
            problem = problem.Length == 0 ? NoSanProblem : problem + "; " + NoSanProblem;
        }
        else if (errors == SslPolicyErrors.None)
        {
            Verdict = "verified (system trust store, host name matches)";
            return true;
        }
        else if (errors == SslPolicyErrors.RemoteCertificateChainErrors && extraTrustedCas.Count > 0 && ChainsToExtraCa(certificate))
        {
            Verdict = "verified (--upstream-ca, host name matches)";
            return true;
        }

        if (insecure)
        {
            Verdict = "NOT VERIFIED (--upstream-insecure): " + problem;
            return true;
        }

        Verdict = "rejected: " + problem + " (" + Identify(certificate) + ")";
        return false;
    }

    private static string Identify(X509Certificate certificate)
    {
        using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san is null ? "none" : string.Join(",", san.EnumerateDnsNames());
        return $"subject {cert.Subject}, SAN DNS {names}, SHA-256 {cert.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}";
    }

    private const string NoSanProblem = "certificate has no subjectAltName DNS or IP entry (a CN-only certificate is refused, RFC 9525)";

    private static bool HasSubjectAltNames(X509Certificate certificate)
    {
        using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        foreach (var extension in cert.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san && (san.EnumerateDnsNames().Any() || san.EnumerateIPAddresses().Any()))
            {
                return true;
            }
        }

        return false;
    }

    private bool ChainsToExtraCa(X509Certificate certificate)
    {
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var ca in extraTrustedCas)
        {
            custom.ChainPolicy.CustomTrustStore.Add(ca);
        }

        return custom.Build(leaf);
    }

    private static string Describe(SslPolicyErrors errors)
    {
        var parts = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            parts.Add("host name does not match the certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            parts.Add("certificate chain not trusted (self-signed, unknown CA or expired; add --upstream-ca FILE to trust a private CA)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            parts.Add("no certificate");
        }

        return string.Join("; ", parts);
    }
}
