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
}
