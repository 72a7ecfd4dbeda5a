using System.Text;
using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// A client that leaves right around its end of data (closes or resets, before or after reading the verdict): the
/// transcript reports the server's verdict on that message and never contradicts itself, and a client that left is
/// never mistaken for a lost upstream.
/// </summary>
public sealed partial class VanishedClientTests(ITestOutputHelper output)
{
    private const int Sessions = 50;
    private const string Message = "Subject: vanish\r\n\r\nhello\r\n.\r\n";

    [Theory]
    [InlineData("close-after-250", LegMode.Plain)]
    [InlineData("close-after-250", LegMode.Implicit)]
    [InlineData("close-after-dot", LegMode.Plain)]
    [InlineData("close-after-dot", LegMode.Implicit)]
    [InlineData("reset-after-250", LegMode.Plain)]
    [InlineData("reset-after-dot", LegMode.Plain)]
    public async Task ClientLeavesAroundItsEndOfData_NoTranscriptSaysBothAcceptedAndNothingDelivered(string variant, LegMode clientLeg)
    {
        await using var harness = await TapHarness.StartAsync(clientLeg, LegMode.Plain);
        using var gate = new SemaphoreSlim(10);
        var sessions = Enumerable.Range(0, Sessions).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                await OneSessionAsync(harness, variant);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(120));

        await harness.WaitForTranscriptAsync("Session closed", Sessions);
        var bySession = BySession(harness.Transcript);
        Assert.Equal(Sessions, bySession.Count);
        foreach (var (id, transcript) in bySession)
        {
            var accepted = transcript.Contains("Message accepted by the server", StringComparison.Ordinal);
            var why = $"session {id}:\n{transcript}";
            Assert.False(accepted && transcript.Contains("nothing was delivered", StringComparison.Ordinal), "accepted and 'nothing was delivered' in one transcript; " + why);
            Assert.False(transcript.Contains("Upstream lost", StringComparison.Ordinal), "a client that left was reported as a lost upstream; " + why);
            Assert.False(transcript.Contains("tap>client 451", StringComparison.Ordinal), "the tap answered 451 although the server is fine; " + why);
            if (variant.EndsWith("-250", StringComparison.Ordinal))
            {
                Assert.True(accepted, "the client read the 250, the transcript must show the acceptance; " + why);
            }
        }
    }

    [Fact]
    public async Task ClientResetsRightAfterItsDot_ServerAcceptsLater_TranscriptGivesTheVerdictAndThatTheClientNeverSawIt()
    {
        var verdictSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectReplyAsync("MAIL FROM", "250 2.1.0 Ok\r\n");
            await c.ExpectReplyAsync("RCPT TO", "250 2.1.5 Ok\r\n");
            await c.ExpectReplyAsync("DATA", "354 go ahead\r\n");
            await c.ReadDataAsync();
            Interlocked.Increment(ref c.Server.Committed);
            await Task.Delay(300, c.Token);
            await c.SendAsync("250 2.0.0 Ok: queued as R1\r\n");
            verdictSent.SetResult();
            await Catalogue.ScriptedFaults.DrainUntilClosedAsync(c);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        await raw.SendAsync(Message);
        raw.Reset();
        await raw.DisposeAsync();
        await verdictSent.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        output.WriteLine(transcript);
        Assert.Equal(1, server.Committed);
        Assert.Contains("Message accepted by the server: 250 2.0.0 Ok: queued as R1", transcript, StringComparison.Ordinal);
        Assert.Contains("Message delivered (the server answered 250 2.0.0 Ok: queued as R1), but the client connection was reset (or failed) before the tap could relay that reply: the client never saw it", transcript, StringComparison.Ordinal);
        Assert.Contains("Session closed (ClientError)", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("Upstream lost", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("tap>client 451", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing was delivered", transcript, StringComparison.Ordinal);
    }

    private static async Task OneSessionAsync(TapHarness harness, string variant)
    {
        var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        try
        {
            if (harness.ClientMode == LegMode.Implicit)
            {
                await raw.StartTlsAsync(harness.ValidateWithTapCa);
            }

            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO c\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("RCPT TO:<b@example.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("DATA\r\n");
            await raw.ExpectAsync(354);
            await raw.SendAsync(Message);
            if (variant.EndsWith("-250", StringComparison.Ordinal))
            {
                await raw.ExpectAsync(250);
            }

            if (variant.StartsWith("reset", StringComparison.Ordinal))
            {
                raw.Reset();
            }
        }
        finally
        {
            await raw.DisposeAsync();
        }
    }

    /// <summary>The console transcript split per session id (second field of each line).</summary>
    private static Dictionary<string, string> BySession(string transcript)
    {
        var sessions = new Dictionary<string, StringBuilder>();
        foreach (var line in transcript.Split('\n'))
        {
            var match = SessionLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var id = match.Groups["id"].Value;
            if (!sessions.TryGetValue(id, out var sb))
            {
                sessions[id] = sb = new StringBuilder();
            }

            sb.Append(match.Groups["rest"].Value).Append('\n');
        }

        return sessions.ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    [GeneratedRegex(@"^\S+ (?<id>s\d+) (?<rest>.*)$")]
    private static partial Regex SessionLine();
}
