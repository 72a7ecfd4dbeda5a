using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.Tests.Certificates;

public sealed class CertificateAuthorityTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2030, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void LoadOrCreate_MissingDirectory_CreatesCaAndReloadsTheSameOne()
    {
        var directory = _temp.Combine("nested", "certs");
        Assert.False(CertificateAuthority.Exists(directory));

        string thumbprint;
        using (var created = CertificateAuthority.LoadOrCreate(directory))
        {
            thumbprint = created.Certificate.Thumbprint;
            Assert.Equal(Path.Combine(directory, "ca.crt.pem"), created.CertificatePath);
            Assert.True(File.Exists(Path.Combine(directory, "ca.key.pem")));
        }

        Assert.True(CertificateAuthority.Exists(directory));
        using var reloaded = CertificateAuthority.LoadOrCreate(directory);
        Assert.Equal(thumbprint, reloaded.Certificate.Thumbprint);
        Assert.Equal(["ca.crt.pem", "ca.key.pem"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void LoadOrCreate_OnUnix_KeyFileIsOwnerReadWriteOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only; Windows relies on the profile folder's ACL
        }

        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);

        var mode = File.GetUnixFileMode(Path.Combine(_temp.Path, "ca.key.pem"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public void Certificate_HasCaProfile()
    {
        var time = new ManualTimeProvider(s_start);
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path, time);
        var cert = ca.Certificate;

        Assert.False(cert.HasPrivateKey);
        Assert.StartsWith("CN=SmtpTap Local CA (", cert.Subject, StringComparison.Ordinal);
        Assert.EndsWith("), O=SmtpTap", cert.Subject, StringComparison.Ordinal);
        Assert.Equal(cert.Subject, cert.Issuer);

        var basic = Assert.Single(cert.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(basic.Critical);
        Assert.True(basic.CertificateAuthority);
        Assert.True(basic.HasPathLengthConstraint);
        Assert.Equal(0, basic.PathLengthConstraint);

        var usage = Assert.Single(cert.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Single(cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>());

        Assert.Equal(s_start.AddHours(-1).UtcDateTime, cert.NotBefore.ToUniversalTime());
        Assert.Equal(s_start.AddHours(-1).AddYears(10).UtcDateTime, cert.NotAfter.ToUniversalTime());

        var serial = cert.SerialNumberBytes.Span;
        Assert.InRange(serial.Length, 9, 17); // 128 random bits; DER may add a sign byte
        Assert.Equal("EC P-256 (256 bits)", CertificateDescription.Describe(cert)[^1]["Key:".Length..].Trim());
    }

    [Fact]
    public void LoadOrCreate_TwoCas_HaveDifferentSerialsAndKeys()
    {
        using var a = CertificateAuthority.LoadOrCreate(_temp.Combine("a"));
        using var b = CertificateAuthority.LoadOrCreate(_temp.Combine("b"));

        Assert.NotEqual(a.Certificate.SerialNumber, b.Certificate.SerialNumber);
        Assert.NotEqual(a.Certificate.GetPublicKeyString(), b.Certificate.GetPublicKeyString());
    }

    [Fact]
    public void LoadOrCreate_KeyWithoutCertificate_RefusesAndKeepsTheKey()
    {
        using (CertificateAuthority.LoadOrCreate(_temp.Path))
        {
        }

        var keyPath = Path.Combine(_temp.Path, "ca.key.pem");
        var key = File.ReadAllText(keyPath);
        File.Delete(Path.Combine(_temp.Path, "ca.crt.pem"));

        var error = Assert.Throws<InvalidDataException>(() => CertificateAuthority.LoadOrCreate(_temp.Path));

        Assert.Contains("ca.crt.pem is missing", error.Message, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(keyPath));
    }

    [Fact]
    public void LoadOrCreate_KeyOfAnotherCa_Refuses()
    {
        using (CertificateAuthority.LoadOrCreate(_temp.Combine("a")))
        using (CertificateAuthority.LoadOrCreate(_temp.Combine("b")))
        {
        }

        File.Copy(_temp.Combine("b", "ca.key.pem"), _temp.Combine("a", "ca.key.pem"), overwrite: true);

        var error = Assert.Throws<InvalidDataException>(() => CertificateAuthority.LoadOrCreate(_temp.Combine("a")));
        Assert.Contains("is not the private key of", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IssueServerCertificate_ChainsToCa_WithServerProfile()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path, time);

        using var leaf = ca.IssueServerCertificate(["Mail.Example.Test", "10.1.2.3", "2001:db8::25"]);

        Assert.True(leaf.HasPrivateKey);
        Assert.Equal("CN=mail.example.test, O=SmtpTap", leaf.Subject);
        ChainAssert.ChainsTo(leaf, ca.Certificate);

        var san = Assert.Single(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["mail.example.test"], san.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("10.1.2.3"), IPAddress.Parse("2001:db8::25")], san.EnumerateIPAddresses());

        var eku = Assert.Single(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        var basic = Assert.Single(leaf.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.False(basic.CertificateAuthority);
        var usage = Assert.Single(leaf.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);

        var aki = Assert.Single(leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        var ski = Assert.Single(ca.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.Equal(ski.SubjectKeyIdentifier, Convert.ToHexString(aki.KeyIdentifier!.Value.Span));

        Assert.Equal(time.GetUtcNow().AddHours(-1).UtcDateTime, leaf.NotBefore.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromDays(397), leaf.NotAfter - leaf.NotBefore);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("-leading.example")]
    public void IssueServerCertificate_InvalidName_Throws(string name)
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);

        Assert.Throws<ArgumentException>(() => ca.IssueServerCertificate([name]));
    }
}
