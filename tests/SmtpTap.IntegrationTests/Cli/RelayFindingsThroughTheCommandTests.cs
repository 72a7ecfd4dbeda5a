using System.Text;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>
/// The findings of the faithful-relay issue replayed through the real <c>smtptap proxy</c> process (built-in capture
/// server upstream): server-style separators in AUTH never leak the credentials into the console, the JSON, the log file
/// or the transcripts; a whole session written at once is delivered; an LF-only legacy app delivers with
/// <c>--line-endings fix</c>; a long HTML line is relayed.
/// </summary>
public sealed class RelayFindingsThroughTheCommandTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AuthWithTabsAndLeadingSeparators_NoCredentialInAnyOutputOfTheProcess(bool json)
    {
        using var temp = new TempDirectory();
        var secret = "TabCanary-" + Guid.NewGuid().ToString("N")[..12];
        string[] args = ["proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t"), "--log-file", temp.Sub("tap.log")];
        await using var tap = CliProcess.Start(temp.Path, json ? [.. args, "--json"] : args);
        var port = await tap.WaitForListenPortAsync();
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0tab-user\0" + secret));
        foreach (var auth in new[] { "AUTH\tPLAIN\t" + plain, " AUTH PLAIN " + plain, "\tAUTH PLAIN " + plain, "auth  \t plain \t" + plain })
        {
            await using var client = await RawSmtpClient.ConnectAndEhloAsync(port);
            await client.SendAsync(auth + "\r\n");
            await client.ExpectAsync(235);
            await client.SendAsync("QUIT\r\n");
            await client.ExpectAsync(221);
        }

        await using (var login = await RawSmtpClient.ConnectAndEhloAsync(port))
        {
            await login.SendAsync("AUTH\tLOGIN\r\n");
            await login.ExpectAsync(334);
            await login.SendAsync(Convert.ToBase64String("tab-user"u8.ToArray()) + "\r\n");
            await login.ExpectAsync(334);
            await login.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)) + "\r\n");
            await login.ExpectAsync(235);
            await login.SendAsync("QUIT\r\n");
            await login.ExpectAsync(221);
        }

        await using (var refused = await RawSmtpClient.ConnectAndEhloAsync(port))
        {
            // The server refuses the mechanism at once; the blob pipelined behind it reaches it as a "command".
            await refused.SendAsync("AUTH X-NOPE\r\n" + plain + "\r\nQUIT\r\n");
            await refused.ExpectAsync(504);
            await refused.ReadReplyAsync();
            await refused.ExpectAsync(221);
        }

        var everything = await WaitForAllOutputAsync(tap, temp, "s0006");
        Assert.Contains("tab-user", everything, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(secret, everything);
        Assert.DoesNotContain(plain, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WholeSessionWrittenAtOnce_LfOnlyWithFix_AndALongHtmlLine_AreDelivered()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t"), "--line-endings", "fix");
        var port = await tap.WaitForListenPortAsync();
        var html = "<p>" + new string('x', 5000) + "</p>";
        await using (var client = await RawSmtpClient.ConnectAsync(port))
        {
            await client.ExpectAsync(220);
            await client.SendAsync("EHLO nc.example\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nSubject: at once\r\n\r\n" + html + "\r\n.\r\nQUIT\r\n");
            await client.ExpectAsync(250);
            await client.ExpectAsync(250);
            await client.ExpectAsync(250);
            await client.ExpectAsync(354);
            await client.ExpectAsync(250);
            await client.ExpectAsync(221);
        }

        await using (var php = await RawSmtpClient.ConnectAsync(port))
        {
            await php.ExpectAsync(220);
            await php.SendAsync("HELO php.example\nMAIL FROM:<a@example.test>\nRCPT TO:<b@example.test>\nDATA\n");
            await php.ExpectAsync(250);
            await php.ExpectAsync(250);
            await php.ExpectAsync(250);
            await php.ExpectAsync(354);
            await php.SendAsync("Subject: lf only\n\nhello\n.\nQUIT\n");
            await php.ExpectAsync(250);
            await php.ExpectAsync(221);
        }

        var all = await WaitForAllOutputAsync(tap, temp, "s0002");
        output.WriteLine(all);
        var messages = Directory.GetFiles(temp.Sub("captured"), "*.eml");
        Assert.Equal(2, messages.Length);
        Assert.Contains(messages, m => File.ReadAllText(m).Contains(html + "\r\n", StringComparison.Ordinal));
        Assert.Contains(messages, m => File.ReadAllText(m).Contains("Subject: lf only\r\n\r\nhello\r\n", StringComparison.Ordinal));
        Assert.Contains("over RFC 5321's 1000", all, StringComparison.Ordinal);
        Assert.Contains("normalised to CRLF", all, StringComparison.Ordinal);
    }

    /// <summary>Console, log file and transcript files, once the given session's close line has been flushed.</summary>
    private static async Task<string> WaitForAllOutputAsync(CliProcess tap, TempDirectory temp, string lastSession)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string all;
        do
        {
            await Task.Delay(200);
            var parts = new StringBuilder(tap.Stdout).AppendLine(tap.Stderr);
            foreach (var file in Directory.GetFiles(temp.Path, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".log", StringComparison.Ordinal) || f.EndsWith(".jsonl", StringComparison.Ordinal)))
            {
                parts.AppendLine(await File.ReadAllTextAsync(file));
            }

            all = parts.ToString();
        }
        while (DateTime.UtcNow < deadline && !FileHasClose(temp, lastSession));
        return all;
    }

    private static bool FileHasClose(TempDirectory temp, string session)
    {
        var dir = temp.Sub("t");
        return Directory.Exists(dir) && Directory.GetFiles(dir).Any(f => f.Contains(session, StringComparison.Ordinal) && File.ReadAllText(f).Contains("Session closed", StringComparison.Ordinal));
    }
}
