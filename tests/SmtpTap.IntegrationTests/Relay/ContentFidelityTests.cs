using System.Text;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>Bytes a client sends arrive unchanged: 8-bit and UTF-8 content, SMTPUTF8 addresses, SIZE, DKIM-sensitive whitespace.</summary>
public sealed class ContentFidelityTests
{
    [Fact]
    public async Task EightBitAndSmtpUtf8_RelayedByteForByteAndShownReadably()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO utf8.test\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Contains("SMTPUTF8", ehlo.Lines);
        Assert.Contains("8BITMIME", ehlo.Lines);
        Assert.Contains(ehlo.Lines, l => l.StartsWith("SIZE ", StringComparison.Ordinal));
        await raw.SendAsync("MAIL FROM:<jörg@exämple.test> SMTPUTF8 BODY=8BITMIME SIZE=200\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<zoë@exämple.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        var content = "Subject: Grüße \t \r\nDKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\n\r\nCafé crème,  trailing spaces   \r\n\tTabbed line\r\n";
        await raw.SendAsync(Encoding.UTF8.GetBytes(content + ".\r\n"));
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Encoding.UTF8.GetBytes(content), await File.ReadAllBytesAsync(stored[0].FilePath!));
        Assert.Equal("jörg@exämple.test", stored[0].MailFrom);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("MAIL FROM:<jörg@exämple.test> SMTPUTF8", transcript, StringComparison.Ordinal);
        Assert.Contains("Subject: Grüße", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("Café crème", transcript, StringComparison.Ordinal);
        Assert.Contains("body not shown", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowBody_BodyLinesAppearInTranscript()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, o => o with { ShowBody = true });
        using (var smtp = await harness.ConnectClientAsync())
        {
            await smtp.SendAsync(TestMessages.Simple("body", "The body line everyone wants to see.\r\n"));
            await smtp.DisconnectAsync(true);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("The body line everyone wants to see.", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyMessage_DotRightAfter354_Relayed()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO e.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(354);
        await raw.SendAsync(".\r\n");
        await raw.ExpectAsync(250);
        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, stored[0].Size);
    }
}
