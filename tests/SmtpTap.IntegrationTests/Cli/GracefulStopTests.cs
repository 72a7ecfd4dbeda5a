using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM sent to the real <c>smtptap proxy</c> process: it stops accepting, tells idle and new
/// clients 421 4.3.2, lets a message in DATA finish, writes every transcript, log and captured file, and exits 0.
/// </summary>
public sealed class GracefulStopTests
{
    private static readonly TimeSpan s_exit = TimeSpan.FromSeconds(30);

    public static TheoryData<int> Signals => new() { CliProcess.SigInt, CliProcess.SigTerm };

    private static CliProcess StartTap(TempDirectory temp, params string[] extra) =>
        CliProcess.Start(temp.Path, ["proxy", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--listen", "smtp://127.0.0.1:0", "--transcripts", temp.Sub("t"), "--log-file", temp.Sub("tap.log"), .. extra]);

    private static string SessionTranscript(TempDirectory temp, string sessionId) =>
        File.ReadAllText(Assert.Single(Directory.GetFiles(temp.Sub("t"), "*-" + sessionId + ".log")));

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task SignalJustAfterASession_TranscriptAndLogAreComplete(int signal)
    {
        using var temp = new TempDirectory();
        await using var tap = StartTap(temp);
        var port = await tap.WaitForListenPortAsync();
        await using (var client = await RawSmtpClient.ConnectAndEhloAsync(port))
        {
            await client.SendAsync("QUIT\r\n");
            await client.ExpectAsync(221);
            Assert.True(await client.ClosedAsync());
        }

        tap.Signal(signal);
        Assert.Equal(0, await tap.WaitForExitAsync(s_exit));
        var transcript = SessionTranscript(temp, "s0001");
        Assert.Contains("client>tap EHLO c", transcript, StringComparison.Ordinal);
        Assert.Contains("Session closed (Quit)", transcript, StringComparison.Ordinal);
        var tapLog = File.ReadAllText(Assert.Single(Directory.GetFiles(temp.Sub("t"), "*-tap.log")));
        Assert.Contains("Listening on", tapLog, StringComparison.Ordinal);
        Assert.Contains("Stopped", tapLog, StringComparison.Ordinal);
        var logFile = File.ReadAllText(temp.Sub("tap.log"));
        Assert.Contains("Session closed (Quit)", logFile, StringComparison.Ordinal);
        Assert.Contains("Stopping", tap.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task SignalWhileIdle_ClientGets421AndTheTranscriptSaysSo(int signal)
    {
        using var temp = new TempDirectory();
        await using var tap = StartTap(temp);
        var port = await tap.WaitForListenPortAsync();
        await using var client = await RawSmtpClient.ConnectAndEhloAsync(port);
        tap.Signal(signal);
        var reply = await client.ExpectAsync(421);
        Assert.StartsWith("4.3.2", reply.FirstLine, StringComparison.Ordinal);
        Assert.True(await client.ClosedAsync());
        Assert.Equal(0, await tap.WaitForExitAsync(s_exit));
        var transcript = SessionTranscript(temp, "s0001");
        Assert.Contains("tap>client 421 4.3.2", transcript, StringComparison.Ordinal);
        Assert.Contains("Session closed (Shutdown)", transcript, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task SignalDuringData_MessageFinishesIsStoredAndNewClientsGet421(int signal)
    {
        using var temp = new TempDirectory();
        await using var tap = StartTap(temp);
        var port = await tap.WaitForListenPortAsync();
        await using var client = await RawSmtpClient.ConnectAndEhloAsync(port);
        await client.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(250);
        await client.ExpectAsync(354);
        await client.SendAsync("Subject: drain\r\n\r\nfirst half\r\n");
        tap.Signal(signal);
        await tap.WaitForOutputAsync("Stopping", s_exit);

        await using (var late = await RawSmtpClient.ConnectAsync(port))
        {
            var refused = await late.ExpectAsync(421);
            Assert.StartsWith("4.3.2", refused.FirstLine, StringComparison.Ordinal);
        }

        await client.SendAsync("second half\r\n.\r\n");
        await client.ExpectAsync(250);
        var goodbye = await client.ExpectAsync(421);
        Assert.StartsWith("4.3.2", goodbye.FirstLine, StringComparison.Ordinal);
        Assert.Equal(0, await tap.WaitForExitAsync(s_exit));

        var eml = File.ReadAllText(Assert.Single(Directory.GetFiles(temp.Sub("captured"), "*.eml")));
        Assert.Contains("first half\r\nsecond half\r\n", eml, StringComparison.Ordinal);
        var transcript = SessionTranscript(temp, "s0001");
        Assert.Contains("Message accepted by the server", transcript, StringComparison.Ordinal);
        Assert.Contains("Session closed (Shutdown)", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondSignal_StopsAtOnceWithoutWaitingForTheMessage()
    {
        using var temp = new TempDirectory();
        await using var tap = StartTap(temp, "--drain-timeout", "600");
        var port = await tap.WaitForListenPortAsync();
        await using var client = await RawSmtpClient.ConnectAndEhloAsync(port);
        await client.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(250);
        await client.ExpectAsync(354);
        await client.SendAsync("Subject: cut\r\n\r\nnever finished\r\n");
        tap.Signal(CliProcess.SigInt);
        await tap.WaitForOutputAsync("Stopping", s_exit);
        tap.Signal(CliProcess.SigInt);
        Assert.Equal(0, await tap.WaitForExitAsync(s_exit));
        var reply = await client.ReadReplyAsync();
        Assert.True(reply is null || reply.Code == 421, "a cut client gets 421 or a close, never 250");
        Assert.Empty(Directory.GetFiles(temp.Sub("captured"), "*.eml"));
        var transcript = SessionTranscript(temp, "s0001");
        Assert.Contains("was not delivered", transcript, StringComparison.Ordinal);
        Assert.Contains("Stopped 1 session(s)", File.ReadAllText(temp.Sub("tap.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainTimeout_CutsAStalledMessageAndExits()
    {
        using var temp = new TempDirectory();
        await using var tap = StartTap(temp, "--drain-timeout", "1");
        var port = await tap.WaitForListenPortAsync();
        await using var client = await RawSmtpClient.ConnectAndEhloAsync(port);
        await client.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        await client.ExpectAsync(250);
        await client.ExpectAsync(250);
        await client.ExpectAsync(354);
        await client.SendAsync("Subject: stalled\r\n\r\n");
        tap.Signal(CliProcess.SigTerm);
        Assert.Equal(0, await tap.WaitForExitAsync(s_exit));
        var reply = await client.ReadReplyAsync();
        Assert.True(reply is null || reply.Code == 421, "a cut client gets 421 or a close, never 250");
        Assert.Empty(Directory.GetFiles(temp.Sub("captured"), "*.eml"));
        Assert.Contains("Session closed (Shutdown)", SessionTranscript(temp, "s0001"), StringComparison.Ordinal);
    }
}
