using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>The counts in the session-closed line are what the client sent and got, not the tap's own upstream preamble.</summary>
public sealed partial class SessionCountsTests
{
    [Theory]
    [InlineData(LegMode.Plain)]
    [InlineData(LegMode.StartTls)]
    [InlineData(LegMode.Implicit)]
    public async Task SessionClosed_BytesRelayedToTheServer_AreExactlyTheClientsBytes(LegMode upstream)
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, upstream);
        string[] sent =
        [
            "EHLO counting.test\r\n",
            "MAIL FROM:<a@example.test>\r\n",
            "RCPT TO:<b@example.test>\r\n",
            "DATA\r\n",
            "Subject: count\r\n\r\nthe body\r\n..stuffed\r\n.\r\n",
            "QUIT\r\n",
        ];
        int[] expected = [220, 250, 250, 250, 354, 250, 221];
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await raw.ExpectAsync(expected[0]);
            for (var i = 0; i < sent.Length; i++)
            {
                await raw.SendAsync(sent[i]);
                await raw.ExpectAsync(expected[i + 1]);
            }
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        var relayed = long.Parse(RelayedBytes().Match(transcript).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(sent.Sum(s => Encoding.ASCII.GetByteCount(s)), relayed);
        Assert.Contains("Session closed (Quit)", transcript, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Session closed \(\w+\) after \d+ ms: (\d+) bytes relayed to the server")]
    private static partial Regex RelayedBytes();
}
