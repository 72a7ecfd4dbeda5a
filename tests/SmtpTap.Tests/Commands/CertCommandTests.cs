using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;
using SmtpTap.Commands;
using SmtpTap.Tests.Certificates;

namespace SmtpTap.Tests.Commands;

public sealed class CertCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Init_EmptyFolder_CreatesCaAndPrintsFingerprintAndTrustSteps()
    {
        var certDir = _temp.Combine("certs");

        var (exit, output, error) = Run("init", "--cert-dir", certDir);

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("Created a new CA in " + certDir, output, StringComparison.Ordinal);
        using var ca = CertificateAuthority.LoadOrCreate(certDir);
        Assert.Contains(FingerprintLine(ca.Certificate), output, StringComparison.Ordinal);
        Assert.Contains("CA certificate: " + ca.CertificatePath, output, StringComparison.Ordinal);
        Assert.Contains("update-ca-certificates", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_Twice_KeepsTheSameCa()
    {
        var certDir = _temp.Combine("certs");
        var (_, first, _) = Run("init", "--cert-dir", certDir);

        var (exit, second, _) = Run("init", "--cert-dir", certDir);

        Assert.Equal(0, exit);
        Assert.Contains("Found an existing CA", second, StringComparison.Ordinal);
        using var ca = CertificateAuthority.LoadOrCreate(certDir);
        Assert.Contains(FingerprintLine(ca.Certificate), first, StringComparison.Ordinal);
        Assert.Contains(FingerprintLine(ca.Certificate), second, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_WithoutCa_ExitsTwoWithOneLineHint()
    {
        var certDir = _temp.Combine("certs");

        var (exit, output, error) = Run("show", "--cert-dir", certDir);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"smtptap: no CA in {certDir}/ yet; run smtptap cert init --cert-dir {certDir}", line.TrimEnd('\r'));
        Assert.False(Directory.Exists(certDir));
    }

    [Fact]
    public void Show_WithCa_PrintsDescription()
    {
        var certDir = _temp.Combine("certs");
        using var ca = CertificateAuthority.LoadOrCreate(certDir);

        var (exit, output, _) = Run("--cert-dir", certDir, "show");

        Assert.Equal(0, exit);
        Assert.Contains("Subject:     " + ca.Certificate.Subject, output, StringComparison.Ordinal);
        Assert.Contains(FingerprintLine(ca.Certificate), output, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_DamagedCaFile_ExitsTwoWithoutStackTrace()
    {
        var certDir = _temp.Combine("certs");
        using (CertificateAuthority.LoadOrCreate(certDir))
        {
        }

        File.WriteAllText(Path.Combine(certDir, "ca.crt.pem"), "not a certificate");

        var (exit, _, error) = Run("show", "--cert-dir", certDir);

        Assert.Equal(2, exit);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("smtptap: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    public void Export_WritesCaCertificateWithoutKey(string format)
    {
        var certDir = _temp.Combine("certs");
        using var ca = CertificateAuthority.LoadOrCreate(certDir);
        var outPath = _temp.Combine("exported." + format);

        var (exit, output, error) = Run("export", "--cert-dir", certDir, "--format", format, "--out", outPath);

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("Wrote the CA certificate", output, StringComparison.Ordinal);
        Assert.Equal(format == "pem", output.Contains($"curl --cacert '{outPath}'", StringComparison.Ordinal));
        using var exported = X509CertificateLoader.LoadCertificateFromFile(outPath);
        Assert.Equal(ca.Certificate.Thumbprint, exported.Thumbprint);
        Assert.False(exported.HasPrivateKey);
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(outPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Export_WithoutCa_ExitsTwo()
    {
        var (exit, _, error) = Run("export", "--cert-dir", _temp.Combine("certs"), "--out", _temp.Combine("ca.pem"));

        Assert.Equal(2, exit);
        Assert.Contains("no CA in", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("ca.pem")));
    }

    [Fact]
    public void Export_OntoTheCaKey_IsRefusedAndKeyKept()
    {
        var certDir = _temp.Combine("certs");
        using var ca = CertificateAuthority.LoadOrCreate(certDir);
        var keyPath = Path.Combine(certDir, "ca.key.pem");
        var key = File.ReadAllText(keyPath);

        var (exit, _, error) = Run("export", "--cert-dir", certDir, "--out", keyPath);

        Assert.Equal(2, exit);
        Assert.Contains("refusing", error, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(keyPath));
    }

    [Fact]
    public void Export_WithoutOut_IsAParseError()
    {
        var result = CertCommand.Create().Parse(["export"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--out", StringComparison.Ordinal));
    }

    private static string FingerprintLine(X509Certificate2 cert) =>
        CertificateDescription.Describe(cert).Single(l => l.StartsWith("SHA-256:", StringComparison.Ordinal));

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = CertCommand.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
