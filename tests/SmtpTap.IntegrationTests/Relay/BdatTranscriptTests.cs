using System.Text;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>A message sent with BDAT gets the same transcript view as one sent with DATA: header lines, then the body summary.</summary>
public sealed class BdatTranscriptTests(ITestOutputHelper output)
{
    private const int BdatMessageViewCap = 1000;

    [Fact]
    public async Task Bdat_HeaderSplitAcrossChunks_TranscriptShowsHeaderLinesAndBodySummary_BytesUntouched()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        var part1 = Encoding.ASCII.GetBytes("Subject: chunk");
        var part2 = Encoding.ASCII.GetBytes("ed across\r\nFrom: a@example.test\r");
        var part3 = Encoding.ASCII.GetBytes("\n\r\nsecret body line\r\n.not stuffed\r\n");
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.SendAsync(Bdat($"BDAT {part1.Length}\r\n", part1));
        await raw.ExpectAsync(250);
        await raw.SendAsync(Bdat($"BDAT {part2.Length}\r\n", part2));
        await raw.ExpectAsync(250);
        await raw.SendAsync(Bdat($"BDAT {part3.Length} LAST\r\n", part3));
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(part1.Concat(part2).Concat(part3).ToArray(), await File.ReadAllBytesAsync(stored[0].FilePath!));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        output.WriteLine(transcript);
        Assert.Contains("client>tap Subject: chunked across", transcript, StringComparison.Ordinal);
        Assert.Contains("client>tap From: a@example.test", transcript, StringComparison.Ordinal);
        Assert.Contains("Message 1: 2 header lines, body 32 octets in 2 lines (body not shown; --show-body shows it)", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("secret body line", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bdat_WithoutATapLineLimit_HeaderLinesStillShown_LongLinesCutInTheViewOnly()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, o => o with { Limits = o.Limits with { MaxDataLine = 0 } });
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        var longHeader = "X-Long: " + new string('x', 3000);
        var message = Encoding.ASCII.GetBytes("Subject: no limit\r\n" + longHeader + "\r\n\r\nbody\r\n");
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.SendAsync(Bdat($"BDAT {message.Length} LAST\r\n", message));
        await raw.ExpectAsync(250);

        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(message, await File.ReadAllBytesAsync(stored[0].FilePath!));
        var transcript = await harness.WaitForTranscriptAsync("Message 1: 2 header lines, body 6 octets in 1 lines");
        output.WriteLine(transcript);
        Assert.Contains("client>tap Subject: no limit", transcript, StringComparison.Ordinal);
        Assert.Contains("client>tap " + longHeader[..BdatMessageViewCap] + "… (line of 3010 octets)", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bdat_TransactionResetBeforeLast_NextMessageViewStartsAfresh()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        var abandoned = Encoding.ASCII.GetBytes("X-Abandoned: 1\r\nX-Half: a line without its end");
        var message = Encoding.ASCII.GetBytes("Subject: second\r\n\r\nbody\r\n");
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.SendAsync(Bdat($"BDAT {abandoned.Length}\r\n", abandoned));
        await raw.ExpectAsync(250);
        await raw.SendAsync("RSET\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.SendAsync(Bdat($"BDAT {message.Length} LAST\r\n", message));
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        output.WriteLine(transcript);
        Assert.Contains("client>tap X-Abandoned: 1", transcript, StringComparison.Ordinal);
        Assert.Contains("client>tap Subject: second", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Half: a line without its endSubject", transcript, StringComparison.Ordinal);
        Assert.Contains("Message 1: 1 header lines, body 6 octets in 1 lines", transcript, StringComparison.Ordinal);
    }

    private static byte[] Bdat(string command, byte[] chunk) => [.. Encoding.ASCII.GetBytes(command), .. chunk];
}
