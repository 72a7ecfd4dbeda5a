using System.Text;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Auth;

/// <summary>Server-side AUTH behaviour the tap must handle: echoed secrets, channel-binding mechanisms.</summary>
public sealed class AuthServerBehaviourTests
{
    [Fact]
    public async Task ServerQuotesTheBlobBack_ClientGetsItUnchanged_TranscriptMasksIt()
    {
        var secret = AuthFixtures.NewSecret("ECHO");
        var blob = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + secret));
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("AUTH PLAIN LOGIN");
            await c.ExpectAsync("EHLO");
            await c.SendAsync(ScriptedConnection.EhloReply("AUTH PLAIN LOGIN"));
            var auth = await c.ExpectAsync("AUTH PLAIN");
            await c.SendAsync("334 " + auth["AUTH PLAIN ".Length..] + "\r\n");
            var again = await c.ReadLineAsync();
            await c.SendAsync("501 5.5.2 Cannot decode " + again + "\r\n");
            await c.ExpectAsync("QUIT");
            await c.SendAsync("221 bye\r\n");
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { UpstreamTls = Core.Hosting.UpstreamTlsPolicy.Auto });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO c\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("AUTH PLAIN " + blob + "\r\n");
        var challenge = await raw.ExpectAsync(334);
        Assert.Equal(blob, challenge.FirstLine);
        await raw.SendAsync(blob + "\r\n");
        var echo = await raw.ExpectAsync(501);
        Assert.Equal("5.5.2 Cannot decode " + blob, echo.FirstLine);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("the server quoted the client's payload back", transcript, StringComparison.Ordinal);
        Assert.Contains("501 5.5.2 Cannot decode ********", transcript, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(secret, await harness.AllOutputAsync());
    }

    [Fact]
    public async Task ScramPlus_RemovedFromClientCapabilitiesAndTranscriptSaysWhy()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN");
            await c.ExpectAsync("EHLO");
            await c.SendAsync(ScriptedConnection.EhloReply("AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN", "8BITMIME"));
            await c.ExpectAsync("QUIT");
            await c.SendAsync("221 bye\r\n");
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { UpstreamTls = Core.Hosting.UpstreamTlsPolicy.Auto });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO c\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Contains("AUTH SCRAM-SHA-256 PLAIN", ehlo.Lines);
        Assert.DoesNotContain(ehlo.Lines, l => l.Contains("-PLUS", StringComparison.Ordinal));
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
        Assert.Contains("removed SCRAM-SHA-256-PLUS: channel binding cannot survive TLS termination", await harness.WaitForTranscriptAsync("Session closed"), StringComparison.Ordinal);
    }
}
