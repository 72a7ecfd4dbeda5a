using System.Globalization;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>
/// The files <c>smtptap proxy</c> writes: private (0600), one transcript per session named for the session's own
/// start, and never shared between two taps that write into one folder.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OutputFileTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static async Task SendMessageAsync(int port, string ehlo)
    {
        await using var client = await RawSmtpClient.ConnectAsync(port);
        await client.ExpectAsync(220);
        await client.SendAsync($"EHLO {ehlo}\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(250);
        await client.ExpectAsync(354);
        await client.SendAsync($"Subject: {ehlo}\r\n\r\nsecret body\r\n.\r\nQUIT\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(221);
    }

    [Fact]
    public async Task TranscriptsLogAndCapturedMessages_AreOwnerOnly()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t"), "--log-file", temp.Sub("tap.log"), "--show-body");
        await SendMessageAsync(await tap.WaitForListenPortAsync(), "private.test");
        tap.Signal(CliProcess.SigTerm);
        Assert.Equal(0, await tap.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var files = Directory.GetFiles(temp.Sub("t")).Concat(Directory.GetFiles(temp.Sub("captured"))).Append(temp.Sub("tap.log")).ToList();
        Assert.Contains(files, f => f.EndsWith(".eml", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("-s0001.log", StringComparison.Ordinal));
        foreach (var file in files)
        {
            Assert.True(File.GetUnixFileMode(file) == OwnerOnly, $"{file} is {File.GetUnixFileMode(file)}");
        }
    }

    [Fact]
    public async Task CopyOfARelayedMessage_IsOwnerOnly()
    {
        using var temp = new TempDirectory();
        await using var server = new ScriptedMailServer().Start();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("copies"), "--listen", "smtp://127.0.0.1:0", "--upstream", $"smtp://127.0.0.1:{server.Port}");
        await SendMessageAsync(await tap.WaitForListenPortAsync(), "relayed.test");
        tap.Signal(CliProcess.SigTerm);
        Assert.Equal(0, await tap.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var eml = Assert.Single(Directory.GetFiles(temp.Sub("copies"), "*.eml"));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(eml));
    }

    [Fact]
    public async Task TwoTapsSharingATranscriptFolder_WriteSeparateFiles()
    {
        using var temp = new TempDirectory();
        string[] Args(string name) => ["proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured-" + name), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t")];
        await using (var first = CliProcess.Start(temp.Path, Args("one")))
        await using (var second = CliProcess.Start(temp.Path, Args("two")))
        {
            var ports = await Task.WhenAll(first.WaitForListenPortAsync(), second.WaitForListenPortAsync());
            await Task.WhenAll(SendMessageAsync(ports[0], "first.test"), SendMessageAsync(ports[1], "second.test"));
            first.Signal(CliProcess.SigTerm);
            second.Signal(CliProcess.SigTerm);
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var sessions = Directory.GetFiles(temp.Sub("t"), "*-s0001.log");
        Assert.Equal(2, sessions.Length);
        var texts = sessions.Select(File.ReadAllText).ToList();
        Assert.Single(texts, t => t.Contains("EHLO first.test", StringComparison.Ordinal) && !t.Contains("EHLO second.test", StringComparison.Ordinal));
        Assert.Single(texts, t => t.Contains("EHLO second.test", StringComparison.Ordinal) && !t.Contains("EHLO first.test", StringComparison.Ordinal));
        Assert.Equal(2, Directory.GetFiles(temp.Sub("t"), "*-tap.log").Length);
    }

    [Fact]
    public async Task SessionTranscriptName_CarriesTheSessionsStartNotTheTaps()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t"));
        var port = await tap.WaitForListenPortAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await SendMessageAsync(port, "later.test");
        tap.Signal(CliProcess.SigTerm);
        Assert.Equal(0, await tap.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var tapFile = Path.GetFileName(Assert.Single(Directory.GetFiles(temp.Sub("t"), "*-tap.log")));
        var sessionPath = Assert.Single(Directory.GetFiles(temp.Sub("t"), "*-s0001.log"));
        var firstLine = File.ReadLines(sessionPath).First();
        var connectedAt = DateTimeOffset.Parse(firstLine.Split(' ')[0], CultureInfo.InvariantCulture).ToLocalTime();
        Assert.StartsWith(connectedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-p", Path.GetFileName(sessionPath), StringComparison.Ordinal);
        Assert.NotEqual(tapFile[..15], Path.GetFileName(sessionPath)[..15]);
    }
}
