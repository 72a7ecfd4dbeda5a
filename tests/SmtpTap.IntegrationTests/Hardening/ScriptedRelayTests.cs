using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Hardening;

/// <summary>Relay behaviour against a scripted upstream, for the cases a real server does not produce on demand.</summary>
public sealed class ScriptedRelayTests(ITestOutputHelper output)
{
    private static async Task ServeOneMessageAsync(ScriptedConnection c, string endOfDataReply)
    {
        await c.SendAsync("220 scripted.test ESMTP\r\n");
        await c.ExpectAsync("EHLO");
        await c.SendAsync(ScriptedConnection.EhloReply("PIPELINING", "8BITMIME"));
        await c.ExpectAsync("MAIL FROM");
        await c.SendAsync("250 2.1.0 Ok\r\n");
        await c.ExpectAsync("RCPT TO");
        await c.SendAsync("250 2.1.5 Ok\r\n");
        await c.ExpectAsync("DATA");
        await c.SendAsync("354 End data with <CR><LF>.<CR><LF>\r\n");
        await c.ReadDataAsync();
        await c.SendAsync(endOfDataReply);
        if (await c.ReadLineAsync() is not null)
        {
            await c.SendAsync("221 2.0.0 Bye\r\n");
        }
    }

    [Fact]
    public async Task PlainToPlain_ServersEndOfDataReplyIsWhatTheClientSees()
    {
        await using var server = new ScriptedServer(c => ServeOneMessageAsync(c, "250 2.0.0 Ok: queued as ABC123\r\n"));
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO client.test\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Contains("STARTTLS", ehlo.Lines);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        await raw.SendAsync("Subject: hi\r\n\r\n..dot\r\n.\r\n");
        var final = await raw.ExpectAsync(250);
        Assert.Equal("2.0.0 Ok: queued as ABC123", final.FirstLine);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
        output.WriteLine(harness.Transcript);
        Assert.Contains("..dot", server.ReceivedSnapshot());
        Assert.Contains("Message accepted by the server: 250 2.0.0 Ok: queued as ABC123", harness.Transcript, StringComparison.Ordinal);
    }
}
