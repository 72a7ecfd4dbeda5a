using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Certificates;

/// <summary>Serves one certificate the user brought (<c>--cert/--key</c> or a PFX) whatever name the client asks for.</summary>
public sealed class FixedCertificateSource : IServerCertificateSource
{
    private readonly X509Certificate2 _certificate;

    /// <param name="certificate">A certificate with its private key.</param>
    public FixedCertificateSource(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("A server certificate needs its private key.", nameof(certificate));
        }

        _certificate = certificate;
    }

    /// <inheritdoc />
    public X509Certificate2 GetCertificate(string? serverName) => _certificate;
}
