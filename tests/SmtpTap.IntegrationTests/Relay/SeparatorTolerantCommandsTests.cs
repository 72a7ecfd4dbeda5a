using System.Text;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// Commands written with HTAB, leading or repeated separators and mixed case go through the tap to the capture server
/// and are understood the way Postfix understands them; the transcript still masks the AUTH payload.
/// </summary>
public sealed class SeparatorTolerantCommandsTests
{
    [Fact]
    public async Task TabsAndRunsOfSeparators_AuthDataAndBdatWorkEndToEnd_PayloadMasked()
    {
        var initialResponse = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0Tab-Canary-9f3"));
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO\tclient.test\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync($"AUTH\tPLAIN\t{initialResponse}\r\n");
        await raw.ExpectAsync(235);
        await raw.SendAsync("mail\tfrom:<a@example.test>\tSIZE=40\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("rcpt   to:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("\tDATA\r\n");
        await raw.ExpectAsync(354);
        await raw.SendAsync("Subject: tabs\r\n\r\nbody\r\n.\r\n");
        await raw.ExpectAsync(250);
        var chunk = Encoding.ASCII.GetBytes("Subject: chunk\r\n\r\nbody\r\n");
        await raw.SendAsync(" MAIL FROM:<a@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:\t<c@example.test> \t\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync(Encoding.ASCII.GetBytes($"BDAT\t{chunk.Length}\tLAST\r\n").Concat(chunk).ToArray());
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\t\r\n");
        await raw.ExpectAsync(221);

        var stored = await harness.Capture.WaitForMessagesAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("alice", stored[0].AuthenticatedUser);
        Assert.Equal("b@example.test", Assert.Single(stored[0].Recipients));
        Assert.Equal("c@example.test", Assert.Single(stored[1].Recipients));
        Assert.Equal(chunk, await File.ReadAllBytesAsync(stored[1].FilePath!));
        var all = await harness.AllOutputAsync();
        Assert.DoesNotContain("Tab-Canary-9f3", all, StringComparison.Ordinal);
        Assert.DoesNotContain(initialResponse, all, StringComparison.Ordinal);
        Assert.Contains("client>tap \\x09DATA", all, StringComparison.Ordinal);
    }
}
