using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SmtpTap.IntegrationTests.Capture;

public sealed class CaptureServerAuthTests
{
    private static readonly Dictionary<string, string> s_credentials = new() { ["alice"] = "s3cret-Pass" };

    private static SaslMechanism Mechanism(string name, string user, string secret) => name switch
    {
        "PLAIN" => new SaslMechanismPlain(user, secret),
        "LOGIN" => new SaslMechanismLogin(user, secret),
        "CRAM-MD5" => new SaslMechanismCramMd5(user, secret),
        "XOAUTH2" => new SaslMechanismOAuth2(user, secret),
        "NTLM" => new SaslMechanismNtlm(new NetworkCredential(user, secret)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static Task<CaptureTestServer> StartCheckingServerAsync() =>
        CaptureTestServer.StartAsync(o => o with
        {
            Credentials = s_credentials,
            AuthMechanisms = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "NTLM"],
        });

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    [InlineData("CRAM-MD5")]
    [InlineData("XOAUTH2")]
    [InlineData("NTLM")]
    public async Task Authenticate_WithCorrectSecret_SucceedsAndTagsTheMessage(string mechanism)
    {
        await using var server = await StartCheckingServerAsync();
        using var client = MailKitSender.CreateClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None).WaitAsync(CaptureTestServer.Timeout);

        await client.AuthenticateAsync(Mechanism(mechanism, "alice", "s3cret-Pass")).WaitAsync(CaptureTestServer.Timeout);
        await client.SendAsync(MailKitSender.CreateMessage()).WaitAsync(CaptureTestServer.Timeout);
        await client.DisconnectAsync(true).WaitAsync(CaptureTestServer.Timeout);

        Assert.Equal("alice", (await server.SingleMessageAsync()).AuthenticatedUser);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    [InlineData("CRAM-MD5")]
    [InlineData("XOAUTH2")]
    [InlineData("NTLM")]
    public async Task Authenticate_WithWrongSecret_ThrowsAuthenticationException(string mechanism)
    {
        await using var server = await StartCheckingServerAsync();
        using var client = MailKitSender.CreateClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None).WaitAsync(CaptureTestServer.Timeout);

        await Assert.ThrowsAsync<AuthenticationException>(() =>
            client.AuthenticateAsync(Mechanism(mechanism, "alice", "wrong")).WaitAsync(CaptureTestServer.Timeout));

        // The session survives a failed AUTH (RFC 4954: do not drop before 3 failures).
        await client.NoOpAsync().WaitAsync(CaptureTestServer.Timeout);
        await client.DisconnectAsync(true).WaitAsync(CaptureTestServer.Timeout);
    }

    [Fact]
    public async Task Logs_NeverContainSecretsOrSaslPayloads()
    {
        const string Password = "canary-Pa55word";
        var sink = new InMemoryLogSink();
        var logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        await using (var server = await CaptureTestServer.StartAsync(o => o with { Credentials = new Dictionary<string, string> { ["alice"] = Password } }, logger))
        {
            foreach (var (mechanism, secret) in new[] { ("PLAIN", Password), ("LOGIN", "wrong-canary"), ("XOAUTH2", Password) })
            {
                using var client = MailKitSender.CreateClient();
                await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None).WaitAsync(CaptureTestServer.Timeout);
                try
                {
                    await client.AuthenticateAsync(Mechanism(mechanism, "alice", secret)).WaitAsync(CaptureTestServer.Timeout);
                    await client.SendAsync(MailKitSender.CreateMessage()).WaitAsync(CaptureTestServer.Timeout);
                }
                catch (AuthenticationException)
                {
                }

                await client.DisconnectAsync(true).WaitAsync(CaptureTestServer.Timeout);
            }
        }

        Assert.NotEmpty(sink.Events);
        var plainPayload = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0alice\0" + Password));
        foreach (var text in sink.Events)
        {
            Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-canary", text, StringComparison.Ordinal);
            Assert.DoesNotContain(plainPayload, text, StringComparison.Ordinal);
            Assert.DoesNotContain("AUTH ", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Authenticate_UnknownUser_Fails()
    {
        await using var server = await StartCheckingServerAsync();
        using var client = MailKitSender.CreateClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None).WaitAsync(CaptureTestServer.Timeout);
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            client.AuthenticateAsync(Mechanism("PLAIN", "mallory", "s3cret-Pass")).WaitAsync(CaptureTestServer.Timeout));
    }

    [Fact]
    public async Task AuthRequiresTls_AuthIsOfferedOnlyAfterStartTls()
    {
        using var certificate = TestCertificate.Create();
        await using var server = await CaptureTestServer.StartAsync(o => o with
        {
            Certificates = certificate,
            AuthRequiresTls = true,
            Credentials = s_credentials,
        });

        using (var plain = MailKitSender.CreateClient())
        {
            await plain.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None).WaitAsync(CaptureTestServer.Timeout);
            Assert.False(plain.Capabilities.HasFlag(SmtpCapabilities.Authentication));
            await plain.DisconnectAsync(true).WaitAsync(CaptureTestServer.Timeout);
        }

        using var secure = MailKitSender.CreateClient(certificate);
        await secure.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls).WaitAsync(CaptureTestServer.Timeout);
        Assert.True(secure.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        await secure.AuthenticateAsync("alice", "s3cret-Pass").WaitAsync(CaptureTestServer.Timeout);
        await secure.SendAsync(MailKitSender.CreateMessage()).WaitAsync(CaptureTestServer.Timeout);
        await secure.DisconnectAsync(true).WaitAsync(CaptureTestServer.Timeout);

        var message = await server.SingleMessageAsync();
        Assert.True(message.ReceivedOverTls);
        Assert.Equal("alice", message.AuthenticatedUser);
    }
}
