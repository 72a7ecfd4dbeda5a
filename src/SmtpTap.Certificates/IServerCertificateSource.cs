using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Certificates;

/// <summary>Chooses the certificate a TLS server presents, by the SNI name the client sent (null if none).</summary>
public interface IServerCertificateSource
{
    /// <summary>Returns a certificate with private key, usable by <c>SslStream.AuthenticateAsServerAsync</c>.</summary>
    X509Certificate2 GetCertificate(string? serverName);
}
