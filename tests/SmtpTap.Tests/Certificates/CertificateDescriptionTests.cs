using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SmtpTap.Certificates;

namespace SmtpTap.Tests.Certificates;

public sealed class CertificateDescriptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Describe_Leaf_ShowsNamesValidityFingerprintAndKey()
    {
        using var ca = CertificateAuthority.LoadOrCreate(_temp.Path);
        using var leaf = ca.IssueServerCertificate(["mail.example.test", "10.0.0.25"]);

        var lines = CertificateDescription.Describe(leaf);

        Assert.Equal("Subject:     CN=mail.example.test, O=SmtpTap", lines[0]);
        Assert.Equal("Issuer:      " + ca.Certificate.Subject, lines[1]);
        Assert.Equal("Serial:      " + leaf.SerialNumber, lines[2]);
        Assert.StartsWith("Not before:  ", lines[3], StringComparison.Ordinal);
        Assert.Matches(@"^Not after:   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((396|397) days left\)$", lines[4]);
        var expected = Convert.ToHexString(SHA256.HashData(leaf.RawData));
        var fingerprint = Regex.Match(lines[5], "^SHA-256:     ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$").Groups[1].Value;
        Assert.Equal(expected, fingerprint.Replace(":", "", StringComparison.Ordinal));
        Assert.Equal("SANs:        DNS:mail.example.test, IP:10.0.0.25", lines[6]);
        Assert.Equal("Key:         EC P-256 (256 bits)", lines[7]);
    }

    [Fact]
    public void TrustInstructions_NameTheCaFileInEveryPlatformCommand()
    {
        var path = Path.GetFullPath(_temp.Combine("ca.crt.pem"));

        var text = string.Join('\n', TrustInstructions.For(path));

        Assert.Contains($"sudo cp '{path}' /usr/local/share/ca-certificates/smtptap.crt", text, StringComparison.Ordinal);
        Assert.Contains("update-ca-certificates", text, StringComparison.Ordinal);
        Assert.Contains("update-ca-trust", text, StringComparison.Ordinal);
        Assert.Contains($"certutil -addstore -f Root \"{path}\"", text, StringComparison.Ordinal);
        Assert.Contains("Import-Certificate", text, StringComparison.Ordinal);
        Assert.Contains($"security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain '{path}'", text, StringComparison.Ordinal);
        Assert.Contains($"curl --cacert '{path}'", text, StringComparison.Ordinal);
        Assert.Contains($"--tls-verify --tls-ca-path '{path}'", text, StringComparison.Ordinal);
        Assert.Contains($"ssl.create_default_context(cafile='{path}')", text, StringComparison.Ordinal);
        Assert.Contains("CustomTrustStore", text, StringComparison.Ordinal);
        Assert.Contains("keytool -importcert", text, StringComparison.Ordinal);
    }
}
