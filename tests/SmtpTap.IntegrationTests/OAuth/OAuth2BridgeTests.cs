using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Security;
using SmtpTap.Bridge;
using SmtpTap.Core.Hosting;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.OAuth;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// The OAuth2 bridge in the relay (issue 13, points 2 and 4): a legacy client authenticates to the tap with PLAIN or LOGIN
/// and the app password of an account signed in at a real OpenIddict server; the tap sends AUTH XOAUTH2 with that
/// server's access token to an upstream that offers only XOAUTH2 and OAUTHBEARER and checks the token. A wrong app
/// password is refused by the tap, a user without an account is relayed unchanged, a refresh that fails gives 454 and
/// one transcript line, and no secret reaches any output.
/// </summary>
public sealed class OAuth2BridgeTests(OAuth2BridgeFixture fixture) : IClassFixture<OAuth2BridgeFixture>
{
    private const string OAuthOnly = "AUTH XOAUTH2 OAUTHBEARER";

    [Fact]
    public async Task PlainWithInitialResponse_Bridged_UpstreamGetsTheIssuedToken_MessageDelivered()
    {
        var expectedToken = fixture.CurrentAccessToken();
        var upstream = new OAuthUpstream(token => token == expectedToken);
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http));

        using (var smtp = await harness.ConnectClientAsync())
        {
            Assert.Contains("PLAIN", smtp.AuthenticationMechanisms);
            await smtp.AuthenticateAsync(new SaslMechanismPlain(OAuthTestServer.User, AccountCli.AppPassword));
            await smtp.SendAsync(TestMessages.Simple("bridged-plain"));
            await smtp.DisconnectAsync(true);
        }

        Assert.Equal(1, server.Committed);
        Assert.Equal(new[] { OAuthTestServer.User + " " + expectedToken }, upstream.Seen);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("added PLAIN LOGIN to AUTH: the OAuth2 bridge", transcript, StringComparison.Ordinal);
        Assert.Contains("client>tap AUTH PLAIN ******** [authzid=, user=crm@contoso.example, password=********]", transcript, StringComparison.Ordinal);
        Assert.Contains("AUTH bridged: client PLAIN as crm@contoso.example (app password ok) -> server XOAUTH2, token for crm@contoso.example from cache, expires ", transcript, StringComparison.Ordinal);
        Assert.Contains("tap>server AUTH XOAUTH2 ********", transcript, StringComparison.Ordinal);
        Assert.Contains("server>tap 235 2.7.0 Authentication successful", transcript, StringComparison.Ordinal);
        AssertNoPlainOrLoginUpstream(server);
        await AssertNoSecretAsync(harness, upstream);
    }

    [Fact]
    public async Task Login_TapAnswersThePrompts_ExpiredTokenRefreshed_Bridged()
    {
        var before = fixture.Server.TokenRequests;
        var upstream = new OAuthUpstream(token => fixture.Server.Secrets.Contains(token));
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http, ClockPastTheStoredToken()));

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH LOGIN\r\n");
            Assert.Equal("VXNlcm5hbWU6", (await raw.ExpectAsync(334)).FirstLine);
            await raw.SendAsync(B64(OAuthTestServer.User) + "\r\n");
            Assert.Equal("UGFzc3dvcmQ6", (await raw.ExpectAsync(334)).FirstLine);
            Assert.Empty(AuthLines(server));
            await raw.SendAsync(B64(AccountCli.AppPassword) + "\r\n");
            await raw.ExpectAsync(235);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(before + 1, fixture.Server.TokenRequests);
        var seen = Assert.Single(upstream.Seen);
        Assert.Equal(OAuthTestServer.User + " " + fixture.CurrentAccessToken(), seen);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        var expected = new[]
        {
            "client>tap AUTH LOGIN",
            "tap>client 334 VXNlcm5hbWU6",
            "client>tap ******** [user=crm@contoso.example]",
            "client>tap ******** [password]",
            "AUTH bridged: client LOGIN as crm@contoso.example (app password ok) -> server XOAUTH2, token for crm@contoso.example refreshed, expires ",
            "tap>server AUTH XOAUTH2 ********",
            "server>tap 235 2.7.0 Authentication successful",
        };
        var at = 0;
        foreach (var line in expected)
        {
            var next = transcript.IndexOf(line, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"'{line}' missing (in order) from:\n{transcript}");
            at = next + line.Length;
        }

        await AssertNoSecretAsync(harness, upstream);
    }

    [Fact]
    public async Task RealProcess_ProxyOAuth2_BridgesLoginWithTheAccountsOfTheHome()
    {
        var expectedToken = fixture.CurrentAccessToken();
        var upstream = new OAuthUpstream(token => token == expectedToken);
        await using var server = upstream.Start(OAuthOnly);
        await using var cli = fixture.Cli.Start("proxy", "--listen", "smtp://127.0.0.1:0", "--upstream", $"smtp://127.0.0.1:{server.Port}",
            "--oauth2", "--cert-dir", Path.Combine(fixture.Cli.WorkingDirectory, "certs"));
        var port = await cli.WaitForListenPortAsync();

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(port))
        {
            await raw.SendAsync("AUTH LOGIN " + B64(OAuthTestServer.User) + "\r\n");
            Assert.Equal("UGFzc3dvcmQ6", (await raw.ExpectAsync(334)).FirstLine);
            await raw.SendAsync(B64(AccountCli.AppPassword) + "\r\n");
            await raw.ExpectAsync(235);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        await cli.WaitForOutputAsync("Session closed", TimeSpan.FromSeconds(30));
        cli.Signal(CliProcess.SigInt);
        var (exit, output, error) = fixture.Cli.Collect(cli, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        Assert.True(exit == 0, output + error);
        Assert.Equal(new[] { OAuthTestServer.User + " " + expectedToken }, upstream.Seen);
        Assert.Contains("OAuth2 bridge on: AUTH PLAIN or LOGIN as crm@contoso.example (crm) is checked against the account's app password", output, StringComparison.Ordinal);
        Assert.Contains("AUTH bridged: client LOGIN as crm@contoso.example (app password ok) -> server XOAUTH2, token for crm@contoso.example from cache", output, StringComparison.Ordinal);
        Assert.Contains("tap>server AUTH XOAUTH2 ********", output, StringComparison.Ordinal);
        fixture.Cli.AssertNoSecretAnywhere(fixture.Server);
        Assert.DoesNotContain(Assert.Single(upstream.InitialResponses), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainWithoutInitialResponse_TapSends334_Bridged_UserMaskedWithMaskUsernames()
    {
        var expectedToken = fixture.CurrentAccessToken();
        var upstream = new OAuthUpstream(token => token == expectedToken);
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { UpstreamTls = UpstreamTlsPolicy.Auto, AuthBridge = Bridge(http), MaskUsernames = true });

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN\r\n");
            Assert.Equal(string.Empty, (await raw.ExpectAsync(334)).FirstLine);
            Assert.Empty(AuthLines(server));
            await raw.SendAsync(PlainBlob(OAuthTestServer.User, AccountCli.AppPassword) + "\r\n");
            await raw.ExpectAsync(235);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Single(upstream.Seen);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("AUTH bridged: client PLAIN as ******** (app password ok) -> server XOAUTH2, token for ******** from cache, expires ", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(OAuthTestServer.User, transcript, StringComparison.OrdinalIgnoreCase);
        await AssertNoSecretAsync(harness, upstream);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ServerOffersOnlyOAuthBearer_BridgedWithRfc7628_RefusalAnsweredWithAQ(bool tokenAccepted)
    {
        var expectedToken = fixture.CurrentAccessToken();
        var upstream = new OAuthUpstream(token => tokenAccepted && token == expectedToken);
        await using var server = upstream.Start("AUTH OAUTHBEARER");
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http));

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + PlainBlob(OAuthTestServer.User, AccountCli.AppPassword) + "\r\n");
            await raw.ExpectAsync(tokenAccepted ? 235 : 535);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("-> server OAUTHBEARER, token for crm@contoso.example from cache", transcript, StringComparison.Ordinal);
        Assert.Contains("tap>server AUTH OAUTHBEARER ********", transcript, StringComparison.Ordinal);
        if (tokenAccepted)
        {
            Assert.Equal(new[] { OAuthTestServer.User + " " + expectedToken }, upstream.Seen);
        }
        else
        {
            Assert.Equal(1, upstream.EmptyAnswers);
            Assert.Contains("tap>server AQ== [%x01] [the tap ends the refused OAUTHBEARER exchange]", transcript, StringComparison.Ordinal);
        }

        await AssertNoSecretAsync(harness, upstream);
    }

    [Fact]
    public async Task FiftyConcurrentSessionsOnAnExpiredToken_ExactlyOneRefresh_AllBridgedWithTheNewToken()
    {
        var before = fixture.Server.TokenRequests;
        var upstream = new OAuthUpstream(token => fixture.Server.Secrets.Contains(token));
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http, ClockPastTheStoredToken()));
        var blob = PlainBlob(OAuthTestServer.User, AccountCli.AppPassword);

        var sessions = Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
            await raw.SendAsync("AUTH PLAIN " + blob + "\r\n");
            await raw.ExpectAsync(235);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        });
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(before + 1, fixture.Server.TokenRequests);
        Assert.Equal(50, upstream.Seen.Count);
        Assert.Single(upstream.Seen.Distinct());
        Assert.Equal(OAuthTestServer.User + " " + fixture.CurrentAccessToken(), upstream.Seen[0]);
        var transcript = await harness.WaitForTranscriptAsync("Session closed", 50);
        Assert.Equal(1, transcript.Split('\n').Count(l => l.Contains("token for crm@contoso.example refreshed", StringComparison.Ordinal)));
        Assert.Equal(49, transcript.Split('\n').Count(l => l.Contains("token for crm@contoso.example from cache", StringComparison.Ordinal)));
        await AssertNoSecretAsync(harness, upstream);
    }

    [Fact]
    public async Task TokenRefused_XOAuth2ErrorChallengeAnsweredByTheTap_ClientGetsTheServersFinalReply()
    {
        var upstream = new OAuthUpstream(_ => false);
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http));

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + PlainBlob(OAuthTestServer.User, AccountCli.AppPassword) + "\r\n");
            var refused = await raw.ExpectAsync(535);
            Assert.StartsWith("5.7.3 Authentication unsuccessful", refused.FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(1, upstream.EmptyAnswers);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("tap>server (empty line) [the tap ends the refused XOAUTH2 exchange]", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("tap>client 334", transcript, StringComparison.Ordinal);
        await AssertNoSecretAsync(harness, upstream);
    }

    [Fact]
    public async Task WrongAppPassword_535FromTheTap_UpstreamNeverSawAuth_IdentityProviderNotAsked()
    {
        var before = fixture.Server.TokenRequests;
        var upstream = new OAuthUpstream(_ => true);
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http, ClockPastTheStoredToken()));
        const string wrong = "wrong-app-password-canary-0b3e";

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + PlainBlob(OAuthTestServer.User, wrong) + "\r\n");
            Assert.StartsWith("5.7.8 ", (await raw.ExpectAsync(535)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("AUTH LOGIN " + B64(OAuthTestServer.User) + "\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(B64(wrong) + "\r\n");
            Assert.StartsWith("5.7.8 ", (await raw.ExpectAsync(535)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Empty(AuthLines(server));
        Assert.Equal(before, fixture.Server.TokenRequests);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("AUTH refused by the tap: wrong app password for account 'crm' (client PLAIN as crm@contoso.example); neither the server nor the identity provider was contacted", transcript, StringComparison.Ordinal);
        var all = await harness.AllOutputAsync();
        SecretCanary.AssertAbsent(wrong, all);
        await AssertNoSecretAsync(harness, upstream, all);
    }

    [Fact]
    public async Task UserWithoutAccount_PlainLoginAndPlainAfter334_RelayedUnchanged()
    {
        const string user = "alice@elsewhere.example";
        const string password = "alice-basic-password-canary-6f";
        var blob = PlainBlob(user, password);
        var upstream = new OAuthUpstream(_ => false);
        await using var server = upstream.Start("AUTH LOGIN PLAIN XOAUTH2");
        using var http = new HttpClient();
        await using var harness = await StartTapAsync(server, Bridge(http));

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + blob + "\r\n");
            Assert.StartsWith("5.7.8 basic", (await raw.ExpectAsync(535)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("AUTH LOGIN\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(B64(user) + "\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(B64(password) + "\r\n");
            Assert.StartsWith("5.7.8 basic", (await raw.ExpectAsync(535)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("AUTH PLAIN\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(blob + "\r\n");
            Assert.StartsWith("5.7.8 basic", (await raw.ExpectAsync(535)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(new[] { "AUTH PLAIN " + blob, "AUTH LOGIN", B64(user), B64(password), "AUTH PLAIN", blob }, upstream.BasicLines);
        Assert.Empty(upstream.Seen);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("AUTH not bridged: alice@elsewhere.example has no account; the client's AUTH PLAIN goes to the server unchanged", transcript, StringComparison.Ordinal);
        Assert.Contains("AUTH not bridged: alice@elsewhere.example has no account; the client's AUTH LOGIN goes to the server unchanged", transcript, StringComparison.Ordinal);
        var all = await harness.AllOutputAsync();
        SecretCanary.AssertAbsent(password, all);
        Assert.DoesNotContain(blob, all, StringComparison.Ordinal);
        Assert.DoesNotContain(B64(password), all, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("refused")]
    [InlineData("unreachable")]
    public async Task RefreshFails_454AndOneTranscriptLineWithTheStepAndTheFix_UpstreamNeverSawAuth(string failure)
    {
        using var temp = new TempDirectory();
        var home = SmtpTapHome.At(temp.Sub("home"));
        const string user = "stale@contoso.example";
        const string refreshToken = "stale-refresh-token-canary-4e7d19";
        const string accessToken = "expired-access-token-canary-91c2aa";
        var endpoint = failure == "refused" ? fixture.Server.TokenEndpoint : $"http://127.0.0.1:{ClosedPort()}/connect/token";
        new AccountStore(home).Add(new AccountDefinition
        {
            Name = "stale",
            Provider = OAuthProvider.Generic,
            ClientId = OAuthTestServer.PublicClientId,
            TokenEndpoint = endpoint,
            Scopes = [OAuthTestServer.SmtpScope, "offline_access"],
            Flow = OAuthFlow.Browser,
            User = user,
        });
        new TokenVault(home, new KdfCost(1024, 1, 1)).Save("stale", AccountCli.AppPassword, new TokenSet
        {
            AccessToken = accessToken,
            AccessTokenExpiresUtc = DateTimeOffset.UtcNow.AddHours(-1),
            RefreshToken = refreshToken,
        });
        var upstream = new OAuthUpstream(_ => true);
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var harness = await StartTapAsync(server, AccountAuthBridge.Create(home, http, _ => null));

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + PlainBlob(user, AccountCli.AppPassword) + "\r\n");
            Assert.StartsWith("4.7.0 ", (await raw.ExpectAsync(454)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Empty(AuthLines(server));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        var line = Assert.Single(transcript.Split('\n'), l => l.Contains("AUTH bridge failed", StringComparison.Ordinal));
        Assert.Contains("AUTH bridge failed for stale@contoso.example (account 'stale') at step 'getting an access token from the identity provider': ", line, StringComparison.Ordinal);
        Assert.Contains(failure == "refused" ? "invalid_grant" : "identity provider unreachable at 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.EndsWith("fix: smtptap account login stale", line.TrimEnd(), StringComparison.Ordinal);
        var all = await harness.AllOutputAsync();
        foreach (var secret in new[] { refreshToken, accessToken, AccountCli.AppPassword })
        {
            SecretCanary.AssertAbsent(secret, all);
        }
    }

    /// <summary>A clock 10 minutes past the expiry of the access token the vault holds now, whatever earlier tests stored: the bridge must refresh.</summary>
    private ShiftedTime ClockPastTheStoredToken()
    {
        var expires = new TokenVault(fixture.Home).State(OAuth2BridgeFixture.Account).AccessTokenExpiresUtc!.Value;
        return new ShiftedTime(expires - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task RefreshRefused_ThenLoginAgainWhileTheTapRuns_NextSessionUsesTheNewTokens()
    {
        using var temp = new TempDirectory();
        var home = SmtpTapHome.At(temp.Sub("home"));
        const string user = "relogin@contoso.example";
        new AccountStore(home).Add(new AccountDefinition
        {
            Name = "relogin",
            Provider = OAuthProvider.Generic,
            ClientId = OAuthTestServer.PublicClientId,
            TokenEndpoint = fixture.Server.TokenEndpoint,
            Scopes = [OAuthTestServer.SmtpScope, "offline_access"],
            Flow = OAuthFlow.Browser,
            User = user,
        });
        var vault = new TokenVault(home, new KdfCost(1024, 1, 1));
        vault.Save("relogin", AccountCli.AppPassword, new TokenSet { AccessToken = "old-access-token-canary-77aa01", AccessTokenExpiresUtc = DateTimeOffset.UtcNow.AddHours(-1), RefreshToken = "revoked-refresh-token-canary-5c" });
        var newToken = fixture.CurrentAccessToken();
        var upstream = new OAuthUpstream(token => token == newToken);
        await using var server = upstream.Start(OAuthOnly);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var harness = await StartTapAsync(server, AccountAuthBridge.Create(home, http, _ => null));
        var blob = PlainBlob(user, AccountCli.AppPassword);

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + blob + "\r\n");
            await raw.ExpectAsync(454);
        }

        vault.Save("relogin", AccountCli.AppPassword, new TokenSet { AccessToken = newToken, AccessTokenExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(30), RefreshToken = "new-refresh-token-canary-19e0" });
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN " + blob + "\r\n");
            await raw.ExpectAsync(235);
        }

        Assert.Equal(new[] { user + " " + newToken }, upstream.Seen);
    }

    private AccountAuthBridge Bridge(HttpClient http, TimeProvider? time = null) =>
        AccountAuthBridge.Create(fixture.Home, http, name => name == AccountCli.ClientSecretVariable ? OAuthTestServer.ClientSecret : null, time);

    private static Task<TapHarness> StartTapAsync(ScriptedServer server, AccountAuthBridge bridge) =>
        TapHarness.StartScriptedAsync(server, configure: o => o with { UpstreamTls = UpstreamTlsPolicy.Auto, AuthBridge = bridge });

    private static string[] AuthLines(ScriptedServer server) =>
        server.ReceivedSnapshot().Where(l => l.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase)).ToArray();

    private static void AssertNoPlainOrLoginUpstream(ScriptedServer server) =>
        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("AUTH PLAIN", StringComparison.OrdinalIgnoreCase) || l.StartsWith("AUTH LOGIN", StringComparison.OrdinalIgnoreCase));

    /// <summary>The app password, every token and secret the identity provider handed out, and the upstream initial responses: in no output.</summary>
    private async Task AssertNoSecretAsync(TapHarness harness, OAuthUpstream upstream, string? all = null)
    {
        all ??= await harness.AllOutputAsync();
        var secrets = fixture.Server.Secrets.Append(AccountCli.AppPassword).ToArray();
        Assert.Contains(secrets, s => s.Length > 100);
        foreach (var secret in secrets)
        {
            SecretCanary.AssertAbsent(secret, all);
        }

        Assert.DoesNotContain(PlainBlob(OAuthTestServer.User, AccountCli.AppPassword), all, StringComparison.Ordinal);
        Assert.DoesNotContain(B64(AccountCli.AppPassword), all, StringComparison.Ordinal);
        foreach (var initialResponse in upstream.InitialResponses)
        {
            Assert.DoesNotContain(initialResponse, all, StringComparison.Ordinal);
        }
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string PlainBlob(string user, string password) => B64("\0" + user + "\0" + password);

    private static int ClosedPort()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        return ((IPEndPoint)closed.LocalEndpoint).Port;
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }

    /// <summary>
    /// A submission server that takes AUTH XOAUTH2 (checking the bearer token), refuses PLAIN and LOGIN with 535 "basic
    /// authentication is not supported" (after a LOGIN exchange, so a replay can be seen), and accepts one message at a time.
    /// </summary>
    private sealed class OAuthUpstream(Func<string, bool> tokenOk)
    {
        public List<string> Seen { get; } = [];

        public List<string> InitialResponses { get; } = [];

        public List<string> BasicLines { get; } = [];

        public int EmptyAnswers;

        public ScriptedServer Start(string authLine) => new(async c =>
        {
            await c.GreetAndEhloAsync(authLine);
            while (await c.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await c.SendAsync(ScriptedConnection.EhloReply(authLine, "8BITMIME"));
                        break;
                    case "AUTH" when line.StartsWith("AUTH XOAUTH2 ", StringComparison.Ordinal):
                        await XOAuth2Async(c, line["AUTH XOAUTH2 ".Length..]);
                        break;
                    case "AUTH" when line.StartsWith("AUTH OAUTHBEARER ", StringComparison.Ordinal):
                        await OAuthBearerAsync(c, line["AUTH OAUTHBEARER ".Length..]);
                        break;
                    case "AUTH":
                        await BasicAsync(c, line);
                        break;
                    case "DATA":
                        await c.SendAsync("354 go ahead\r\n");
                        await c.ReadDataAsync();
                        Interlocked.Increment(ref c.Server.Committed);
                        await c.SendAsync("250 2.0.0 queued\r\n");
                        break;
                    case "QUIT":
                        await c.SendAsync("221 2.0.0 bye\r\n");
                        return;
                    default:
                        await c.SendAsync("250 2.0.0 ok\r\n");
                        break;
                }
            }
        });

        private async Task XOAuth2Async(ScriptedConnection c, string initialResponse)
        {
            lock (InitialResponses)
            {
                InitialResponses.Add(initialResponse);
            }

            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(initialResponse)).Split('\u0001');
            var user = parts[0]["user=".Length..];
            var token = parts[1]["auth=Bearer ".Length..];
            if (parts.Length == 4 && parts[2].Length == 0 && parts[3].Length == 0 && tokenOk(token))
            {
                lock (Seen)
                {
                    Seen.Add(user + " " + token);
                }

                await c.SendAsync("235 2.7.0 Authentication successful\r\n");
                return;
            }

            await c.SendAsync("334 " + Convert.ToBase64String("{\"status\":\"401\",\"schemes\":\"bearer\"}"u8.ToArray()) + "\r\n");
            if (await c.ReadLineAsync() == string.Empty)
            {
                Interlocked.Increment(ref EmptyAnswers);
            }

            await c.SendAsync("535 5.7.3 Authentication unsuccessful\r\n");
        }

        /// <summary>RFC 7628: <c>n,a=USER,^Aauth=Bearer TOKEN^A^A</c>; a refusal is a 334 error challenge answered with <c>AQ==</c>.</summary>
        private async Task OAuthBearerAsync(ScriptedConnection c, string initialResponse)
        {
            lock (InitialResponses)
            {
                InitialResponses.Add(initialResponse);
            }

            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(initialResponse)).Split('\u0001');
            var header = parts[0];
            var token = parts[1]["auth=Bearer ".Length..];
            if (header.StartsWith("n,a=", StringComparison.Ordinal) && header.EndsWith(',') && parts.Length == 4 && tokenOk(token))
            {
                lock (Seen)
                {
                    Seen.Add(header[4..^1] + " " + token);
                }

                await c.SendAsync("235 2.7.0 Authentication successful\r\n");
                return;
            }

            await c.SendAsync("334 " + Convert.ToBase64String("{\"status\":\"invalid_token\"}"u8.ToArray()) + "\r\n");
            if (await c.ReadLineAsync() == "AQ==")
            {
                Interlocked.Increment(ref EmptyAnswers);
            }

            await c.SendAsync("535 5.7.8 Authentication credentials invalid\r\n");
        }

        private async Task BasicAsync(ScriptedConnection c, string line)
        {
            BasicLines.Add(line);
            if (line.Equals("AUTH PLAIN", StringComparison.OrdinalIgnoreCase))
            {
                await c.SendAsync("334 \r\n");
                BasicLines.Add(await c.ReadLineAsync() ?? "<closed>");
            }

            if (line.Equals("AUTH LOGIN", StringComparison.OrdinalIgnoreCase))
            {
                await c.SendAsync("334 VXNlcm5hbWU6\r\n");
                BasicLines.Add(await c.ReadLineAsync() ?? "<closed>");
                await c.SendAsync("334 UGFzc3dvcmQ6\r\n");
                BasicLines.Add(await c.ReadLineAsync() ?? "<closed>");
            }

            await c.SendAsync("535 5.7.8 basic authentication is not supported\r\n");
        }
    }
}
