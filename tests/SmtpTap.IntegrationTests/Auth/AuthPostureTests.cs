using System.Text;
using MailKit.Security;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Auth;

/// <summary>
/// Where credentials may travel. A loopback plaintext client (the app-on-this-host case) is offered the
/// AUTH the server offers after the tap's own TLS; a remote plaintext client gets the server's own posture
/// (AUTH only after STARTTLS); AUTH never crosses a plaintext upstream leg to a remote host unless allowed.
/// </summary>
public sealed class AuthPostureTests
{
    [Fact]
    public async Task LoopbackPlainClient_ServerOffersAuthOnlyAfterTls_ClientCanAuthenticateWhileWireIsEncrypted()
    {
        var secret = AuthFixtures.NewSecret("LOGIN");
        await using var harness = await TapHarness.StartAsync(
            LegMode.Plain,
            LegMode.StartTls,
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.StartTls, secret, dir, authRequiresTls: true));
        using (var smtp = await harness.ConnectClientAsync())
        {
            Assert.False(smtp.IsSecure);
            Assert.Contains("LOGIN", smtp.AuthenticationMechanisms);
            await smtp.AuthenticateAsync(new SaslMechanismLogin(AuthFixtures.User, secret));
            await smtp.SendAsync(TestMessages.Simple("crm"));
            await smtp.DisconnectAsync(true);
        }

        var stored = await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(stored[0].ReceivedOverTls);
        Assert.Equal(AuthFixtures.User, stored[0].AuthenticatedUser, StringComparer.OrdinalIgnoreCase);
        SecretCanary.AssertAbsent(secret, await harness.AllOutputAsync());
    }

    [Fact]
    public async Task RemotePlainClient_ServerOffersAuthOnlyAfterTls_Gets530UntilStartTls()
    {
        var secret = AuthFixtures.NewSecret("PLAIN");
        await using var harness = await TapHarness.StartAsync(
            LegMode.Plain,
            LegMode.StartTls,
            configure: o => o with { IsLocalAddress = _ => false, AllowPlainAuth = true },
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.StartTls, secret, dir, authRequiresTls: true));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO remote.test\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Contains("STARTTLS", ehlo.Lines);
        var blob = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + AuthFixtures.User + "\0" + secret));
        await raw.SendAsync("AUTH PLAIN " + blob + "\r\n");
        var refusal = await raw.ExpectAsync(530);
        Assert.Contains("STARTTLS", refusal.FirstLine, StringComparison.Ordinal);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("AUTH not relayed", transcript, StringComparison.Ordinal);
        Assert.Contains("removed AUTH", transcript, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(secret, await harness.AllOutputAsync());
    }

    [Fact]
    public async Task RemoteClientAfterStartTls_AuthOfferedAndWorks()
    {
        var secret = AuthFixtures.NewSecret("PLAIN");
        await using var harness = await TapHarness.StartAsync(
            LegMode.StartTls,
            LegMode.StartTls,
            configure: o => o with { IsLocalAddress = _ => false },
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.StartTls, secret, dir, authRequiresTls: true));
        using var smtp = await harness.ConnectClientAsync();
        Assert.True(smtp.IsSecure);
        await smtp.AuthenticateAsync(new SaslMechanismPlain(AuthFixtures.User, secret));
        await smtp.DisconnectAsync(true);
    }

    [Fact]
    public async Task PlaintextUpstreamToRemoteHost_AuthHiddenAndRefused538UnlessAllowed()
    {
        var secret = AuthFixtures.NewSecret("PLAIN");
        await using var harness = await TapHarness.StartAsync(
            LegMode.Plain,
            LegMode.Plain,
            configure: o => o with { IsLocalAddress = _ => false },
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.Plain, secret, dir));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO app.test\r\n");
        Assert.DoesNotContain((await raw.ExpectAsync(250)).Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        await raw.SendAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + AuthFixtures.User + "\0" + secret)) + "\r\n");
        var refusal = await raw.ExpectAsync(538);
        Assert.Contains("--allow-plain-auth", refusal.FirstLine, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(secret, await harness.AllOutputAsync());
    }

    [Fact]
    public async Task PlaintextUpstreamToRemoteHost_AllowPlainAuth_Relays()
    {
        var secret = AuthFixtures.NewSecret("PLAIN");
        await using var harness = await TapHarness.StartAsync(
            LegMode.Plain,
            LegMode.Plain,
            configure: o => o with { IsLocalAddress = _ => false, AllowPlainAuth = true },
            captureFactory: (leaves, dir) => AuthFixtures.CheckingCapture(leaves, LegMode.Plain, secret, dir));
        using var smtp = await harness.ConnectClientAsync();
        await smtp.AuthenticateAsync(new SaslMechanismPlain(AuthFixtures.User, secret));
        await smtp.DisconnectAsync(true);
    }
}
