using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task FiftyConcurrentSessions_EveryMessageDeliveredOnceAndIntact()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.StartTls, LegMode.StartTls);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var messages = Enumerable.Range(0, 50).Select(i => TestMessages.Simple("concurrent-" + i, $"Body of message {i}\r\n" + new string((char)('a' + (i % 26)), 500) + "\r\n")).ToArray();
        await Task.WhenAll(messages.Select(async message =>
        {
            using var smtp = await harness.ConnectClientAsync(cancellationToken: timeout.Token);
            await smtp.SendAsync(message, timeout.Token);
            await smtp.DisconnectAsync(true, timeout.Token);
        }));

        var stored = await harness.Capture.WaitForMessagesAsync(50, timeout.Token);
        Assert.Equal(50, stored.Count);
        var expected = messages.Select(m => TestMessages.Sha256(TestMessages.WireBytes(m))).Order().ToArray();
        var actual = stored.Select(m => m.Sha256Hex.ToUpperInvariant()).Order().ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task BrokenSession_DoesNotAffectAnother()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls);
        await using (var broken = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await broken.ExpectAsync(220);
            await broken.SendAsync("EHLO x\r\nMAIL FROM:<a@b>\r\n");
        }

        await using var garbage = await RawSmtpClient.ConnectAsync(harness.Port);
        await garbage.ExpectAsync(220);
        await garbage.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0xfe, 0x0d, 0x0a });

        using var smtp = await harness.ConnectClientAsync();
        await smtp.SendAsync(TestMessages.Simple("survivor"));
        await smtp.DisconnectAsync(true);
        Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
