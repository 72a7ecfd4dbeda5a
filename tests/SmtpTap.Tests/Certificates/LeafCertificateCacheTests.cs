using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.Tests.Certificates;

public sealed class LeafCertificateCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void GetCertificate_SameName_ReturnsSameCertificate()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "localhost");

        var first = cache.GetCertificate("mail.example.test");
        var again = cache.GetCertificate("MAIL.example.test.");

        Assert.Same(first, again);
        Assert.True(first.HasPrivateKey);
        Assert.Equal("CN=mail.example.test, O=SmtpTap", first.Subject);
        ChainAssert.ChainsTo(first, ca.Certificate);
    }

    [Fact]
    public void GetCertificate_NewCacheInstance_ReloadsLeafFromDisk()
    {
        string thumbprint;
        using (var ca = CertificateAuthority.LoadOrCreate(_temp.Path))
        using (var cache = new LeafCertificateCache(ca, "localhost"))
        {
            thumbprint = cache.GetCertificate("mail.example.test").Thumbprint;
        }

        Assert.True(File.Exists(_temp.Combine("leaf", "mail.example.test.crt.pem")));
        Assert.True(File.Exists(_temp.Combine("leaf", "mail.example.test.key.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(_temp.Combine("leaf", "mail.example.test.key.pem")));
        }

        using var reloadedCa = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var reloaded = new LeafCertificateCache(reloadedCa, "localhost");
        var again = reloaded.GetCertificate("mail.example.test");

        Assert.Equal(thumbprint, again.Thumbprint);
        Assert.True(again.HasPrivateKey);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void GetCertificate_NoSni_UsesDefaultHostName(string? serverName)
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "proxy.example.test");

        var cert = cache.GetCertificate(serverName);

        Assert.Equal("CN=proxy.example.test, O=SmtpTap", cert.Subject);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void GetCertificate_LoopbackName_CoversAllLoopbackNames(string name)
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "proxy.example.test");

        var cert = cache.GetCertificate(name);

        var san = Assert.Single(cert.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["localhost"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], san.EnumerateIPAddresses());
        Assert.Same(cert, cache.GetCertificate("localhost"));
        Assert.True(cert.MatchesHostname("127.0.0.1"));
        Assert.True(cert.MatchesHostname("localhost"));
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("..")]
    [InlineData("..\\..\\windows")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("nul\0.example")]
    [InlineData("   ")]
    public void GetCertificate_HostileSni_ServesDefaultAndWritesOnlyInsideLeafFolder(string serverName)
    {
        var caDirectory = _temp.Combine("certs");
        using var ca = CertificateAuthority.LoadOrCreate(caDirectory);
        using var cache = new LeafCertificateCache(ca, "proxy.example.test");

        var cert = cache.GetCertificate(serverName);

        Assert.Equal("CN=proxy.example.test, O=SmtpTap", cert.Subject);
        var files = Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_temp.Path, f).Replace('\\', '/'))
            .Order();
        Assert.Equal(
            ["certs/ca.crt.pem", "certs/ca.key.pem", "certs/leaf/proxy.example.test.crt.pem", "certs/leaf/proxy.example.test.key.pem"],
            files);
    }

    [Fact]
    public void GetCertificate_OverlongSni_ServesDefaultWithoutHugeSan()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "proxy.example.test");
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 59), 5)); // 299 chars of valid-looking labels

        var cert = cache.GetCertificate(longName);

        var san = Assert.Single(cert.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["proxy.example.test"], san.EnumerateDnsNames());
        Assert.DoesNotContain(Directory.GetFiles(_temp.Combine("leaf")), f => f.Contains("aaaa", StringComparison.Ordinal));
    }

    [Fact]
    public void GetCertificate_NearExpiry_IssuesFreshLeaf()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path, time);
        using var cache = new LeafCertificateCache(ca, "localhost", time);
        var original = cache.GetCertificate("mail.example.test");

        time.Advance(TimeSpan.FromDays(300));
        Assert.Same(original, cache.GetCertificate("mail.example.test"));

        time.Advance(TimeSpan.FromDays(91)); // 391 days: inside the last 7 of 397
        var renewed = cache.GetCertificate("mail.example.test");

        Assert.NotEqual(original.Thumbprint, renewed.Thumbprint);
        Assert.True(new DateTimeOffset(renewed.NotAfter) > time.GetUtcNow().AddDays(390));

        using var restarted = new LeafCertificateCache(ca, "localhost", time);
        Assert.Equal(renewed.Thumbprint, restarted.GetCertificate("mail.example.test").Thumbprint);
    }

    [Fact]
    public void GetCertificate_AfterCaReplaced_IssuesLeafFromNewCa()
    {
        string oldThumbprint;
        using (var oldCa = CertificateAuthority.LoadOrCreate(_temp.Path))
        using (var cache = new LeafCertificateCache(oldCa, "localhost"))
        {
            oldThumbprint = cache.GetCertificate("mail.example.test").Thumbprint;
        }

        File.Delete(_temp.Combine("ca.crt.pem"));
        File.Delete(_temp.Combine("ca.key.pem"));
        using var newCa = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var newCache = new LeafCertificateCache(newCa, "localhost");

        var leaf = newCache.GetCertificate("mail.example.test");

        Assert.NotEqual(oldThumbprint, leaf.Thumbprint);
        ChainAssert.ChainsTo(leaf, newCa.Certificate);
    }

    [Fact]
    public void GetCertificate_DamagedFileOnDisk_IsReplaced()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        Directory.CreateDirectory(_temp.Combine("leaf"));
        File.WriteAllText(_temp.Combine("leaf", "mail.example.test.crt.pem"), "garbage");
        File.WriteAllText(_temp.Combine("leaf", "mail.example.test.key.pem"), "garbage");
        using var cache = new LeafCertificateCache(ca, "localhost");

        var leaf = cache.GetCertificate("mail.example.test");

        ChainAssert.ChainsTo(leaf, ca.Certificate);
        Assert.Contains("BEGIN CERTIFICATE", File.ReadAllText(_temp.Combine("leaf", "mail.example.test.crt.pem")), StringComparison.Ordinal);
    }

    [Fact]
    public void GetCertificate_KeyOnDiskOfAnotherLeaf_IsReplaced()
    {
        using (var ca = CertificateAuthority.LoadOrCreate(_temp.Path))
        using (var cache = new LeafCertificateCache(ca, "localhost"))
        {
            cache.GetCertificate("one.example.test");
            cache.GetCertificate("two.example.test");
        }

        File.Copy(_temp.Combine("leaf", "two.example.test.key.pem"), _temp.Combine("leaf", "one.example.test.key.pem"), overwrite: true);
        using var reloadedCa = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var reloaded = new LeafCertificateCache(reloadedCa, "localhost");

        var leaf = reloaded.GetCertificate("one.example.test");

        Assert.True(leaf.HasPrivateKey);
        Assert.Equal("CN=one.example.test, O=SmtpTap", leaf.Subject);
        ChainAssert.ChainsTo(leaf, reloadedCa.Certificate);
    }

    [Fact]
    public async Task GetCertificate_ConcurrentCallers_ShareOneCertificate()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var cache = new LeafCertificateCache(ca, "localhost");

        var results = await Task.WhenAll(Enumerable.Range(0, 32)
            .Select(_ => Task.Run(() => cache.GetCertificate("mail.example.test"))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(results.Distinct());
    }

    [Fact]
    public void Constructor_InvalidDefaultHostName_Throws()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);

        Assert.Throws<ArgumentException>(() => new LeafCertificateCache(ca, "../x"));
    }
}
