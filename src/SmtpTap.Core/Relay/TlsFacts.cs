using System.Net.Security;

namespace SmtpTap.Core.Relay;

/// <summary>What a finished TLS handshake established, for the transcript. CertificateSubject: the server certificate of that leg (the upstream's, or the one the tap presented to the client).</summary>
internal sealed record TlsFacts(string Protocol, string CipherSuite, string? CertificateSubject, string Verification)
{
    /// <summary>The leg's certificate with its verdict, for the "Certificate of the ... leg" transcript event (null if none).</summary>
    public Transcript.TlsLegCertificate? Certificate { get; init; }

    public static TlsFacts From(SslStream ssl, string verification) =>
        new(
            ssl.SslProtocol.ToString(),
            ssl.NegotiatedCipherSuite.ToString(),
            ssl.RemoteCertificate?.Subject,
            verification);
}
