using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SmtpTap.Commands;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>The <c>proxy</c> command as a user runs it: clear errors, the banner, JSON Lines, per-session files.</summary>
public sealed class ProxyCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunUntilAsync(string[] args, Func<string, bool>? stopWhen = null, Func<int, Task>? whileRunning = null)
    {
        var output = new StringWriterSync();
        var error = new StringWriterSync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = RootCommandFactory.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cts.Token);
        if (stopWhen is not null)
        {
            while (!run.IsCompleted && !stopWhen(output.ToString()))
            {
                await Task.Delay(20, cts.Token);
            }

            if (whileRunning is not null && !run.IsCompleted)
            {
                var port = int.Parse(System.Text.RegularExpressions.Regex.Match(output.ToString(), @"smtp://127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                await whileRunning(port);
            }

            await cts.CancelAsync();
        }

        var exit = await run.WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--listen", "127.0.0.1:2525", "not a URL")]
    [InlineData("--listen", "smtp://mail.example.com:25", "IP address or localhost")]
    [InlineData("--upstream", "imap://x:143", "unknown scheme")]
    [InlineData("--cert", "/nonexistent/server.pem", "file not found")]
    public async Task BadInput_ClearOneLineErrorAndExit2(string option, string value, string why)
    {
        using var temp = new TempDirectory();
        var (exit, _, err) = await RunUntilAsync(["proxy", "--cert-dir", temp.Sub("certs"), option, value]);
        Assert.Equal(2, exit);
        Assert.Contains(why, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_ClearErrorAndExit2()
    {
        using var temp = new TempDirectory();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var (exit, _, err) = await RunUntilAsync(["proxy", "--cert-dir", temp.Sub("certs"), "--listen", $"smtp://127.0.0.1:{port}"]);
        Assert.Equal(2, exit);
        Assert.Contains("cannot listen", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonLoopbackListener_PrintsOpenRelayWarning()
    {
        using var temp = new TempDirectory();
        var (exit, output, _) = await RunUntilAsync(
            ["proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://0.0.0.0:0", "--listen", "smtp://127.0.0.1:0"],
            o => o.Contains("Press Ctrl+C", StringComparison.Ordinal));
        Assert.Equal(0, exit);
        Assert.Contains("reachable from other machines", output, StringComparison.Ordinal);
        Assert.Contains("smtptap cert export", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_EveryStdoutLineIsAJsonObjectWithSessionAndDirection()
    {
        using var temp = new TempDirectory();
        var (exit, output, _) = await RunUntilAsync(
            ["proxy", "--json", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t")],
            o => o.Contains("Press Ctrl+C", StringComparison.Ordinal),
            async port =>
            {
                await using var raw = await RawSmtpClient.ConnectAsync(port);
                await raw.ExpectAsync(220);
                await raw.SendAsync("EHLO json.test\r\nQUIT\r\n");
                await raw.ExpectAsync(250);
                await raw.ExpectAsync(221);
                await Task.Delay(300);
            });
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var directions = new HashSet<string>();
        foreach (var line in lines)
        {
            using var doc = ParseLine(line);
            Assert.True(doc.RootElement.TryGetProperty("@m", out _));
            if (doc.RootElement.TryGetProperty("Direction", out var d))
            {
                directions.Add(d.GetString()!);
                Assert.Equal("s0001", doc.RootElement.GetProperty("SessionId").GetString());
            }
        }

        Assert.Contains("client>tap", directions);
        Assert.Contains("server>tap", directions);
        Assert.Contains("tap", directions);
        var files = Directory.GetFiles(temp.Sub("t"));
        var session = Assert.Single(files, f => f.EndsWith("-s0001.log", StringComparison.Ordinal));
        Assert.Contains("EHLO json.test", await File.ReadAllTextAsync(session));
    }

    /// <summary>
    /// The canary through the real command: its background console, per-session transcript files, --log-file and the
    /// captured message, in text and JSON, after AUTH PLAIN and AUTH LOGIN with a unique password.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Canary_AuthPasswordAbsentFromEveryOutputOfTheCommand(bool json)
    {
        using var temp = new TempDirectory();
        var secret = "CliCanary-" + Guid.NewGuid().ToString("N");
        string[] args = ["proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t"), "--log-file", temp.Sub("tap.log")];
        var (exit, output, error) = await RunUntilAsync(
            json ? [.. args, "--json"] : args,
            o => o.Contains("Press Ctrl+C", StringComparison.Ordinal),
            async port =>
            {
                await using (var plain = await RawSmtpClient.ConnectAndEhloAsync(port))
                {
                    await plain.SendAsync("AUTH PLAIN " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0canary-user\0" + secret)) + "\r\n");
                    await plain.ExpectAsync(235);
                    await plain.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
                    await plain.ExpectAsync(250);
                    await plain.ExpectAsync(250);
                    await plain.ExpectAsync(354);
                    await plain.SendAsync("Subject: canary\r\n\r\nbody\r\n.\r\nQUIT\r\n");
                    await plain.ExpectAsync(250);
                    await plain.ExpectAsync(221);
                }

                await using var login = await RawSmtpClient.ConnectAndEhloAsync(port);
                await login.SendAsync("AUTH LOGIN\r\n");
                await login.ExpectAsync(334);
                await login.SendAsync(Convert.ToBase64String("canary-user"u8.ToArray()) + "\r\n");
                await login.ExpectAsync(334);
                await login.SendAsync(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)) + "\r\n");
                await login.ExpectAsync(235);
                await login.SendAsync("QUIT\r\n");
                await login.ExpectAsync(221);
            });
        Assert.Equal(0, exit);
        Assert.Contains("canary-user", output, StringComparison.Ordinal);
        var files = Directory.GetFiles(temp.Path, "*", SearchOption.AllDirectories).Where(f => !f.Contains("certs", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith(".eml", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("tap.log", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("-s0002.log", StringComparison.Ordinal));
        var everything = new System.Text.StringBuilder(output).AppendLine(error);
        foreach (var file in files)
        {
            everything.AppendLine(await File.ReadAllTextAsync(file));
        }

        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, everything.ToString());
    }

    private static JsonDocument ParseLine(string line)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException("not a JSON line: " + line, ex);
        }
    }
}
