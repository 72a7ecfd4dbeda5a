using System.Security.Cryptography.X509Certificates;
using System.Security.Authentication;
using SmtpTap.Certificates;

namespace SmtpTap.Tests.Certificates;

public sealed class TlsHandshakeTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Handshake_ClientTrustingOnlyTheCa_AcceptsLeafFromCache(string targetHost)
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "localhost");

        var (presented, _) = await LoopbackTls.HandshakeAsync(cache, targetHost, ca.Certificate);

        using (presented)
        {
            Assert.Equal(cache.GetCertificate("localhost").Thumbprint, presented.Thumbprint);
            Assert.Equal(ca.Certificate.Subject, presented.Issuer);
        }
    }

    [Fact]
    public async Task Handshake_WithSni_ServerPicksLeafForThatName()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "localhost");

        // The name does not resolve, but TargetHost only drives SNI and name checks; we connect to 127.0.0.1.
        var (presented, sawName) = await LoopbackTls.HandshakeAsync(cache, "smtp.example.test", ca.Certificate);

        using (presented)
        {
            Assert.Equal("smtp.example.test", sawName);
            Assert.Equal("CN=smtp.example.test, O=SmtpTap", presented.Subject);
        }
    }

    [Fact]
    public async Task Handshake_ClientTrustingAnotherCa_Fails()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Combine("real"));
        using var other = CertificateAuthority.LoadOrCreate(_temp.Combine("other"));
        using var cache = new LeafCertificateCache(ca, "localhost");

        await Assert.ThrowsAsync<AuthenticationException>(
            () => LoopbackTls.HandshakeAsync(cache, "localhost", other.Certificate));
    }

    [Fact]
    public async Task Handshake_WithUserPemPair_ServesIt()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var issued = ca.IssueServerCertificate(["localhost"]);
        var certPath = _temp.Combine("server.crt");
        var keyPath = _temp.Combine("server.key");
        File.WriteAllText(certPath, issued.ExportCertificatePem());
        using (var key = issued.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        using var loaded = CertificateFiles.LoadPemPair(certPath, keyPath);

        var (presented, _) = await LoopbackTls.HandshakeAsync(new FixedCertificateSource(loaded), "localhost", ca.Certificate);

        using (presented)
        {
            Assert.Equal(issued.Thumbprint, presented.Thumbprint);
        }
    }
}
