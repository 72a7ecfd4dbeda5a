using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// The tap sends a pipelined group upstream in one write and buffered replies to the client in one write;
/// queued bytes must still go out before the tap waits for anything.
/// </summary>
public sealed class WriteBatchingTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PipelinedGroupEndingInPartialLine_EarlierCommandsAnsweredWithoutTheRest()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220).WaitAsync(s_timeout);
        await raw.SendAsync("EHLO batcher.test\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);

        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nNO");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.ExpectAsync(250).WaitAsync(s_timeout);

        await raw.SendAsync("OP\r\nQUIT\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.ExpectAsync(221).WaitAsync(s_timeout);
    }

    [Fact]
    public async Task PipelinedGroupEndingInLocallyAnsweredCommand_QueuedCommandsSentFirst()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220).WaitAsync(s_timeout);
        await raw.SendAsync("EHLO batcher.test\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);

        // STARTTLS with an argument is answered by the tap itself, only after every earlier reply.
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nSTARTTLS now\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.ExpectAsync(501).WaitAsync(s_timeout);

        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221).WaitAsync(s_timeout);
    }

    /// <summary>
    /// Issue 11: MAIL was flushed alone and the rest of the group followed in a second write; against Postfix
    /// (no TCP_NODELAY on its side) that made its two reply writes wait for a delayed ACK, about 40 ms per
    /// transaction. The server counts the TCP segments the group arrived in (Linux <c>TCP_INFO</c>; elsewhere
    /// the test has nothing to observe and returns).
    /// </summary>
    [Fact]
    public async Task PipelinedMailRcptDataGroup_ReachesTheServerInOneSegment()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var segments = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 scripted.test ESMTP\r\n");
            await c.ExpectAsync("EHLO");

            // Counted before the EHLO reply goes out: on a loaded machine the group can arrive before this thread looks.
            var before = c.DataSegmentsReceived();
            await c.SendAsync(ScriptedConnection.EhloReply("PIPELINING", "8BITMIME"));
            await c.ExpectAsync("MAIL FROM");
            await c.ExpectAsync("RCPT TO");
            await c.ExpectAsync("DATA");
            segments.TrySetResult(c.DataSegmentsReceived() - before);
            await c.SendAsync("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
            await c.ReadDataAsync();
            await c.SendAsync("250 2.0.0 Ok: queued as PIPE1\r\n");
            await c.ExpectReplyAsync("QUIT", "221 2.0.0 Bye\r\n");
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220).WaitAsync(s_timeout);
        await raw.SendAsync("EHLO batcher.test\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);

        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.ExpectAsync(354).WaitAsync(s_timeout);
        await raw.SendAsync("Subject: pipelined\r\n\r\nbody\r\n.\r\n");
        await raw.ExpectAsync(250).WaitAsync(s_timeout);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221).WaitAsync(s_timeout);

        Assert.Equal(1, await segments.Task.WaitAsync(s_timeout));
    }
}
