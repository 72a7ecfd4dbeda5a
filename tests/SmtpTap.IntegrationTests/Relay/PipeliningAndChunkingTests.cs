using System.Text;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

public sealed class PipeliningAndChunkingTests
{
    [Fact]
    public async Task PipelinedGroup_RepliesComeBackInOrderAndDataIsDelivered()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO pipeliner.test\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Contains("PIPELINING", ehlo.Lines);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(354);
        await raw.SendAsync("Subject: pipelined\r\n\r\nbody\r\n..stuffed\r\n.\r\nNOOP\r\nQUIT\r\n");
        var queued = await raw.ExpectAsync(250);
        Assert.Contains("queued", queued.FirstLine, StringComparison.OrdinalIgnoreCase);
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(221);
        Assert.True(await raw.ClosedAsync());

        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["b@example.test", "c@example.test"], stored[0].Recipients);
        Assert.Equal("Subject: pipelined\r\n\r\nbody\r\n.stuffed\r\n", await File.ReadAllTextAsync(stored[0].FilePath!));
    }

    [Fact]
    public async Task Bdat_ChunksRelayedByteForByte()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Implicit);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO chunker.test\r\n");
        Assert.Contains("CHUNKING", (await raw.ExpectAsync(250)).Lines);
        var part1 = Encoding.ASCII.GetBytes("Subject: bdat\r\n\r\n.no stuffing in BDAT\r\n");
        var part2 = Encoding.ASCII.GetBytes("\r\n.\r\nstill content, not an end\r\n");
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.SendAsync($"BDAT {part1.Length}\r\n");
        await raw.SendAsync(part1);
        await raw.ExpectAsync(250);
        await raw.SendAsync($"BDAT {part2.Length} LAST\r\n");
        for (var i = 0; i < part2.Length; i++)
        {
            await raw.SendAsync(part2.AsMemory(i, 1));
        }

        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(part1.Concat(part2).ToArray(), await File.ReadAllBytesAsync(stored[0].FilePath!));
        Assert.Contains("BDAT chunk of", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherCommands_RsetNoopVrfyHelpUnknown_PassThrough()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("HELO old.client\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RSET\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("NOOP\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("VRFY postmaster\r\n");
        await raw.ExpectAsync(252);
        await raw.SendAsync("HELP\r\n");
        await raw.ExpectAsync(214);
        await raw.SendAsync("XYZZY plugh\r\n");
        await raw.ExpectAsync(500);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
        Assert.Contains("XYZZY plugh", harness.Transcript, StringComparison.Ordinal);
    }
}
