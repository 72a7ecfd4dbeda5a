using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary><c>smtptap cert</c> through the real process: show and export need only the certificate; hints that work.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CertCommandProcessTests
{
    private static async Task<string> InitAsync(TempDirectory temp)
    {
        var certs = temp.Sub("certs");
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "cert", "init", "--cert-dir", certs);
        Assert.True(exit == 0, err);
        return certs;
    }

    [Fact]
    public async Task ShowAndExport_WorkWithoutReadAccessToTheCaKey()
    {
        using var temp = new TempDirectory();
        var certs = await InitAsync(temp);
        File.SetUnixFileMode(Path.Combine(certs, "ca.key.pem"), UnixFileMode.None);
        var outDir = temp.Sub("out");
        Directory.CreateDirectory(outDir);
        CliProcess.OpenToUnprivileged(outDir);

        await using (var show = CliProcess.StartUnprivileged(temp.Path, "cert", "show", "--cert-dir", certs))
        {
            Assert.True(await show.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, show.Stderr);
            Assert.Contains("SHA-256", show.Stdout, StringComparison.Ordinal);
        }

        var exported = Path.Combine(outDir, "ca.pem");
        await using (var export = CliProcess.StartUnprivileged(temp.Path, "cert", "export", "--cert-dir", certs, "--out", exported))
        {
            Assert.True(await export.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, export.Stderr);
        }

        Assert.Contains("BEGIN CERTIFICATE", File.ReadAllText(exported), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportDer_HintsOnlyCommandsThatTakeDerAndNameTheCaFolder()
    {
        using var temp = new TempDirectory();
        var certs = await InitAsync(temp);
        var exportDir = temp.Sub("export");
        var der = Path.Combine(exportDir, "smtptap-ca.der");
        var (exit, output, err) = await CliProcess.RunAsync(temp.Path, "cert", "export", "--cert-dir", certs, "--format", "der", "--out", der);
        Assert.True(exit == 0, err);
        Assert.Contains($"certutil -addstore -f Root \"{der}\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("update-ca-certificates", output, StringComparison.Ordinal);
        Assert.DoesNotContain("curl --cacert", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--tls-ca-path", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cafile=", output, StringComparison.Ordinal);
        Assert.Contains("--format pem", output, StringComparison.Ordinal);
        Assert.Contains("delete ca.crt.pem and ca.key.pem in " + certs, output, StringComparison.Ordinal);
        Assert.DoesNotContain("ca.key.pem in " + exportDir, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportPem_SwaksHintVerifiesTheCertificate()
    {
        using var temp = new TempDirectory();
        var certs = await InitAsync(temp);
        var pem = temp.Sub("export/smtptap-ca.pem");
        var (exit, output, err) = await CliProcess.RunAsync(temp.Path, "cert", "export", "--cert-dir", certs, "--out", pem);
        Assert.True(exit == 0, err);
        Assert.Contains($"swaks --tls --tls-verify --tls-ca-path '{pem}'", output, StringComparison.Ordinal);
        Assert.Contains("update-ca-certificates", output, StringComparison.Ordinal);
        Assert.Contains("delete ca.crt.pem and ca.key.pem in " + certs, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportBadFormat_PlainWordsNoTypeName()
    {
        using var temp = new TempDirectory();
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "cert", "export", "--format", "p12", "--out", temp.Sub("x"));
        Assert.Equal(2, exit);
        Assert.Contains("--format must be pem or der, not 'p12'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("SmtpTap.", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitWithCertDirUnderAFile_OneLineExit2()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Sub("afile"), "x");
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "cert", "init", "--cert-dir", temp.Sub("afile"));
        Assert.Equal(2, exit);
        Assert.Contains("--cert-dir", err, StringComparison.Ordinal);
        Assert.Contains("is a file, not a folder", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
    }
}
