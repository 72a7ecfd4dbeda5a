using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.IntegrationTests.Capture;

/// <summary>A self-signed serverAuth certificate for localhost / 127.0.0.1, made per test run, and a source serving it.</summary>
internal sealed class TestCertificate : IServerCertificateSource, IDisposable
{
    private TestCertificate(X509Certificate2 certificate)
    {
        Certificate = certificate;
        Sha256Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    public X509Certificate2 Certificate { get; }

    public string Sha256Thumbprint { get; }

    public static TestCertificate Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return new TestCertificate(X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null));
    }

    public X509Certificate2 GetCertificate(string? serverName) => Certificate;

    /// <summary>True only for exactly this certificate (by SHA-256 thumbprint).</summary>
    public bool Validate(X509Certificate? presented) =>
        presented is not null &&
        string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), Sha256Thumbprint, StringComparison.OrdinalIgnoreCase);

    public void Dispose() => Certificate.Dispose();
}
