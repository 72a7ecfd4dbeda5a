using System.Text;
using MailKit.Security;
using SmtpTap.Core.Hosting;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// Mechanism translation with a stored password (issue 13, point 3): an app that speaks only LOGIN (or PLAIN) reaches a
/// server that offers only PLAIN, LOGIN or CRAM-MD5; the tap checks the app password and authenticates upstream with the
/// account's stored server password. The upstream is the capture server, checking the password itself.
/// </summary>
public sealed class MechanismTranslationTests(InjectAuthFixture fixture) : IClassFixture<InjectAuthFixture>
{
    [Theory]
    [InlineData("LOGIN", "PLAIN")]
    [InlineData("PLAIN", "LOGIN")]
    [InlineData("PLAIN", "CRAM-MD5")]
    [InlineData("LOGIN", "CRAM-MD5")]
    public async Task ClientMechanism_ToTheOnlyMechanismTheServerOffers_Delivered(string client, string server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var harness = await TapHarness.StartAsync(
            captureFactory: InjectAuthTests.Upstream([server], InjectAuthFixture.ScannerUser, InjectAuthFixture.ServerPassword),
            configure: o => o with { AuthBridge = fixture.Bridge(http) });

        using (var smtp = await harness.ConnectClientAsync())
        {
            Assert.Contains(client, smtp.AuthenticationMechanisms);
            SaslMechanism mechanism = client == "LOGIN"
                ? new SaslMechanismLogin(InjectAuthFixture.ScannerUser, AccountCli.AppPassword)
                : new SaslMechanismPlain(InjectAuthFixture.ScannerUser, AccountCli.AppPassword);
            await smtp.AuthenticateAsync(mechanism);
            await smtp.SendAsync(TestMessages.Simple("translated-" + client + "-" + server));
            await smtp.DisconnectAsync(true);
        }

        var message = Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(InjectAuthFixture.ScannerUser, message.AuthenticatedUser);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        InjectAuthTests.AssertInOrder(
            transcript,
            "client>tap AUTH " + client,
            $"AUTH bridged: client {client} as {InjectAuthFixture.ScannerUser} (app password ok) -> server {server}, stored password of account 'scanner'",
            "tap>server AUTH " + server,
            "server>tap 235 ");
        AssertNoSecret(await harness.AllOutputAsync());
    }

    [Fact]
    public async Task WrongAppPassword_535FromTheTap_TheServerNeverSawAuth()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["AUTH PLAIN LOGIN CRAM-MD5", "PIPELINING"] }.Start();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { AuthBridge = fixture.Bridge(http) });

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH LOGIN\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(B64(InjectAuthFixture.ScannerUser) + "\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(B64(InjectAuthFixture.ServerPassword) + "\r\n");
            Assert.Equal("5.7.8 Authentication credentials invalid (smtptap: wrong app password)", (await raw.ExpectAsync(535)).FirstLine);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("AUTH refused by the tap: wrong app password for account 'scanner' (client LOGIN as scanner@contoso.example); neither the server nor the identity provider was contacted", transcript, StringComparison.Ordinal);
        AssertNoSecret(await harness.AllOutputAsync());
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private void AssertNoSecret(string all)
    {
        foreach (var secret in fixture.Secrets())
        {
            SecretCanary.AssertAbsent(secret, all);
        }
    }
}
