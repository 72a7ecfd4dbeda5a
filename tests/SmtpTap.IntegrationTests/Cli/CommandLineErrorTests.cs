using System.Net;
using System.Net.Sockets;
using SmtpTap.Certificates;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>
/// Bad paths and bad options through the real <c>smtptap</c> process: one clear line on stderr that names the option
/// and says why, exit 2, never a stack trace or a .NET type name.
/// </summary>
public sealed class CommandLineErrorTests
{
    private static void AssertOneClearLine(string err, params string[] expected)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr, got: " + err);
        Assert.StartsWith("smtptap", lines[0], StringComparison.Ordinal);
        foreach (var text in expected)
        {
            Assert.Contains(text, lines[0], StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
    }

    private static string AFile(TempDirectory temp)
    {
        var file = temp.Sub("afile");
        File.WriteAllText(file, "not a folder");
        return file;
    }

    [Fact]
    public async Task CertDirIsAFile_OneLineExit2()
    {
        using var temp = new TempDirectory();
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", AFile(temp));
        Assert.Equal(2, exit);
        AssertOneClearLine(err, "--cert-dir", "is a file, not a folder");
    }

    [Theory]
    [InlineData("--cert-dir", "cannot create the folder")]
    [InlineData("--transcripts", "cannot create the folder")]
    [InlineData("--capture-dir", "cannot create the folder")]
    [InlineData("--log-file", "cannot write this file")]
    public async Task PathUnderAFile_OneLineExit2(string option, string why)
    {
        using var temp = new TempDirectory();
        var bad = Path.Combine(AFile(temp), "sub");
        string[] args = option == "--cert-dir"
            ? ["proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", bad]
            : ["proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), option, bad];
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, args);
        Assert.Equal(2, exit);
        AssertOneClearLine(err, option + " " + bad, why);
    }

    [Theory]
    [InlineData("--transcripts")]
    [InlineData("--capture-dir")]
    public async Task FolderThatCannotBeWritten_RefusedAtStartNotAtTheFirstMessage(string option)
    {
        using var temp = new TempDirectory();
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), option, "/proc");
        Assert.Equal(2, exit);
        AssertOneClearLine(err, option + " /proc", "cannot write in this folder");
    }

    [Fact]
    public async Task LogFileThatCannotBeWritten_IsNotSilentlyIgnored()
    {
        using var temp = new TempDirectory();
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--log-file", "/proc/smtptap.log");
        Assert.Equal(2, exit);
        AssertOneClearLine(err, "--log-file /proc/smtptap.log", "cannot write this file");
    }

    [Fact]
    public async Task AddressInUse_NamesTheListener()
    {
        using var temp = new TempDirectory();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--listen", "smtps://127.0.0.1:0", "--listen", $"smtp://127.0.0.1:{port}");
        Assert.Equal(2, exit);
        AssertOneClearLine(err, $"cannot listen on smtp://127.0.0.1:{port}", "already in use");
    }

    [Fact]
    public async Task PrivilegedPort_SaysPermissionDeniedNotAnotherProgram()
    {
        using var temp = new TempDirectory();
        CliProcess.OpenToUnprivileged(temp.Path);
        await using var cli = CliProcess.StartUnprivileged(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:1");
        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        AssertOneClearLine(cli.Stderr, "cannot listen on smtp://127.0.0.1:1", "permission denied", "below 1024");
        Assert.DoesNotContain("another program", cli.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--upstream-tls", "yes", "--upstream-tls must be auto, required or none, not 'yes'")]
    [InlineData("--max-sessions", "many", "--max-sessions must be a whole number, not 'many'")]
    [InlineData("--drain-timeout", "-1", "--drain-timeout must be 0 or more seconds")]
    public async Task BadOptionValue_PlainWordsNoTypeName(string option, string value, string expected)
    {
        using var temp = new TempDirectory();
        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), option, value);
        Assert.Equal(2, exit);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal);
        Assert.DoesNotContain("SmtpTap.", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PemCertificateWithoutKey_AsksForKeyNotForAPassword()
    {
        using var temp = new TempDirectory();
        using (var ca = CertificateAuthority.LoadOrCreate(temp.Sub("own-ca")))
        {
            using var own = ca.IssueServerCertificate(["localhost"]);
            File.WriteAllText(temp.Sub("server.pem"), own.ExportCertificatePem());
        }

        var (exit, _, err) = await CliProcess.RunAsync(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert", temp.Sub("server.pem"), "--cert-dir", temp.Sub("certs"));
        Assert.Equal(2, exit);
        AssertOneClearLine(err, "--cert", "without its private key", "--key FILE");
        Assert.DoesNotContain("password", err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ImplicitTlsUpstreamOnAPlainPort_SaysTheServerDoesNotSpeakTls()
    {
        using var temp = new TempDirectory();
        await using var plain = new ScriptedMailServer().Start();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--listen", "smtp://127.0.0.1:0", "--upstream", $"smtps://127.0.0.1:{plain.Port}");
        var port = await tap.WaitForListenPortAsync();
        await using var client = await RawSmtpClient.ConnectAsync(port);
        var reply = await client.ExpectAsync(421);
        var text = string.Join(" ", reply.Lines);
        Assert.Contains("does not speak TLS on connect", text, StringComparison.Ordinal);
        Assert.Contains($"smtp://127.0.0.1:{plain.Port}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("frame size", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("frame size", tap.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PlaintextClientOnImplicitTlsListener_SaysTheClientDoesNotSpeakTls()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtps://127.0.0.1:0");
        var port = await tap.WaitForListenPortAsync("smtps");
        await using (var client = await RawSmtpClient.ConnectAsync(port))
        {
            await client.SendAsync("EHLO plain.test\r\n");
            Assert.True(await client.ClosedAsync());
        }

        await tap.WaitForOutputAsync("Session closed", TimeSpan.FromSeconds(30));
        Assert.Contains("the client does not speak TLS", tap.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("inner exception", tap.Stdout, StringComparison.OrdinalIgnoreCase);
    }
}
