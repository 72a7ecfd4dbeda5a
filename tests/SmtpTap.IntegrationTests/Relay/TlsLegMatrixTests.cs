using MimeKit;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// All nine combinations of client leg (plain, STARTTLS, implicit) and upstream leg: a real MailKit client,
/// verifying the tap's certificate through the tap's CA, sends through the tap to the capture server, and
/// the stored message must be byte-identical to what MailKit sent.
/// </summary>
public sealed class TlsLegMatrixTests(ITestOutputHelper output)
{
    public static TheoryData<LegMode, LegMode> Legs()
    {
        var data = new TheoryData<LegMode, LegMode>();
        foreach (var client in Enum.GetValues<LegMode>())
        {
            foreach (var upstream in Enum.GetValues<LegMode>())
            {
                data.Add(client, upstream);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Legs))]
    public async Task Send_ThroughTap_MessageArrivesByteIdenticalAndTranscriptShowsBothLegs(LegMode client, LegMode upstream)
    {
        await using var harness = await TapHarness.StartAsync(client, upstream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var message = TestMessages.Simple($"{client}/{upstream}");
        using (var smtp = await harness.ConnectClientAsync(cancellationToken: timeout.Token))
        {
            Assert.Equal(client != LegMode.Plain, smtp.IsSecure);
            await smtp.SendAsync(message, timeout.Token);
            await smtp.DisconnectAsync(quit: true, timeout.Token);
        }

        var stored = await harness.Capture.WaitForMessagesAsync(1, timeout.Token);
        var expected = TestMessages.WireBytes(message);
        var actual = await File.ReadAllBytesAsync(stored[0].FilePath!, timeout.Token);
        Assert.Equal(TestMessages.Sha256(expected), TestMessages.Sha256(actual));
        Assert.Equal(upstream != LegMode.Plain, stored[0].ReceivedOverTls);

        var transcript = await harness.WaitForTranscriptAsync("Session closed (Quit)");
        output.WriteLine(transcript);
        Assert.Contains("client>tap", transcript, StringComparison.Ordinal);
        Assert.Contains("Subject: SmtpTap test " + client + "/" + upstream, transcript, StringComparison.Ordinal);
        Assert.Contains("Message accepted by the server", transcript, StringComparison.Ordinal);
        Assert.Contains("Session closed (Quit)", transcript, StringComparison.Ordinal);
        Assert.Equal(upstream != LegMode.Plain, transcript.Contains("TLS established with upstream", StringComparison.Ordinal));
        Assert.Equal(client == LegMode.StartTls, transcript.Contains("TLS established with client (STARTTLS)", StringComparison.Ordinal));
        Assert.Equal(client == LegMode.Implicit, transcript.Contains("TLS established with client (implicit)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Connect_ByNameOrIp_CertificateVerifiesWithTheExportedCa(string host)
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Implicit, LegMode.Plain);
        using var smtp = await harness.ConnectClientAsync(host);
        Assert.True(smtp.IsSecure);
        await smtp.NoOpAsync();
        await smtp.DisconnectAsync(true);
    }
}
