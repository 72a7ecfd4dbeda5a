using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.Tests.Certificates;

public sealed class CertificateFilesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void LoadPemPair_EcPkcs8KeyWithChain_LoadsCertificateWithKey()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var issued = ca.IssueServerCertificate(["mail.example.test"]);
        var certPath = _temp.Combine("server.crt");
        var keyPath = _temp.Combine("server.key");
        // Leaf followed by its CA, as a fullchain.pem from an ACME client looks.
        File.WriteAllText(certPath, issued.ExportCertificatePem() + "\n" + ca.Certificate.ExportCertificatePem());
        using (var key = issued.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        using var loaded = CertificateFiles.LoadPemPair(certPath, keyPath);

        Assert.Equal(issued.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);
        using var loadedKey = loaded.GetECDsaPrivateKey()!;
        Assert.NotNull(loadedKey.SignData([1, 2, 3], HashAlgorithmName.SHA256));
    }

    [Fact]
    public void LoadPemPair_RsaPkcs1Key_LoadsCertificateWithKey()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa.example.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(_temp.Combine("rsa.crt"), selfSigned.ExportCertificatePem());
        File.WriteAllText(_temp.Combine("rsa.key"), rsa.ExportRSAPrivateKeyPem());
        Assert.Contains("BEGIN RSA PRIVATE KEY", File.ReadAllText(_temp.Combine("rsa.key")), StringComparison.Ordinal);

        using var loaded = CertificateFiles.LoadPemPair(_temp.Combine("rsa.crt"), _temp.Combine("rsa.key"));

        Assert.True(loaded.HasPrivateKey);
        Assert.Equal(selfSigned.Thumbprint, loaded.Thumbprint);
    }

    [Fact]
    public void LoadPemPair_KeyOfAnotherCertificate_ThrowsInvalidData()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var one = ca.IssueServerCertificate(["one.example.test"]);
        using var two = ca.IssueServerCertificate(["two.example.test"]);
        File.WriteAllText(_temp.Combine("one.crt"), one.ExportCertificatePem());
        using (var key = two.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(_temp.Combine("two.key"), key.ExportPkcs8PrivateKeyPem());
        }

        Assert.Throws<InvalidDataException>(() => CertificateFiles.LoadPemPair(_temp.Combine("one.crt"), _temp.Combine("two.key")));
    }

    [Fact]
    public void LoadPemPair_MissingFile_SaysWhichFile()
    {
        var error = Assert.Throws<FileNotFoundException>(
            () => CertificateFiles.LoadPemPair(_temp.Combine("absent.crt"), _temp.Combine("absent.key")));

        Assert.Contains("absent.crt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPfx_WithPassword_RoundTrips()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var issued = ca.IssueServerCertificate(["mail.example.test"]);
        var pfxPath = _temp.Combine("server.pfx");
        File.WriteAllBytes(pfxPath, issued.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, "s3cret"));

        using var loaded = CertificateFiles.LoadPfx(pfxPath, "s3cret");

        Assert.Equal(issued.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);
        Assert.Throws<InvalidDataException>(() => CertificateFiles.LoadPfx(pfxPath, "wrong"));
    }

    [Fact]
    public void LoadPfx_WithoutPrivateKey_ThrowsInvalidData()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        var pfxPath = _temp.Combine("public-only.pfx");
        File.WriteAllBytes(pfxPath, ca.Certificate.Export(X509ContentType.Pkcs12, "pw"));

        var error = Assert.Throws<InvalidDataException>(() => CertificateFiles.LoadPfx(pfxPath, "pw"));
        Assert.Contains("no private key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CertificateExportFormat.Pem, "ca.pem")]
    [InlineData(CertificateExportFormat.Der, "ca.cer")]
    public void Export_WritesPublicCertificateThatLoadsBack(CertificateExportFormat format, string fileName)
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var leaf = ca.IssueServerCertificate(["mail.example.test"]);
        var path = _temp.Combine("out", fileName);

        CertificateFiles.Export(leaf, path, format);

        using var loaded = X509CertificateLoader.LoadCertificateFromFile(path);
        Assert.Equal(leaf.Thumbprint, loaded.Thumbprint);
        Assert.False(loaded.HasPrivateKey);
        var bytes = File.ReadAllBytes(path);
        Assert.DoesNotContain("PRIVATE KEY", System.Text.Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        if (format == CertificateExportFormat.Pem)
        {
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(path), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(leaf.RawData, bytes);
        }
    }

    [Fact]
    public void FixedCertificateSource_WithoutKey_Throws()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);

        Assert.Throws<ArgumentException>(() => new FixedCertificateSource(ca.Certificate));
    }
}
