using System.Net.Security;

namespace SmtpTap.Core.Relay;

/// <summary>What a finished TLS handshake established, for the transcript.</summary>
internal sealed record TlsFacts(string Protocol, string CipherSuite, string? PeerSubject, string Verification)
{
    public static TlsFacts From(SslStream ssl, string verification) =>
        new(
            ssl.SslProtocol.ToString(),
            ssl.NegotiatedCipherSuite.ToString(),
            ssl.RemoteCertificate?.Subject,
            verification);
}
