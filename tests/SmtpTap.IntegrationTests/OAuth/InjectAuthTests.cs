using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Net;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;
using SmtpTap.Core.Hosting;
using CaptureTestServer = SmtpTap.IntegrationTests.Capture.CaptureTestServer;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// <c>--inject-auth ACCOUNT</c> (issue 13, point 3): a client that sends no AUTH at all is authenticated upstream by the tap
/// just before its first MAIL, with the OAuth2 token the real OpenIddict server issued or with a stored server password;
/// clients not on loopback are refused; a wrong app password stops the start. No secret reaches any output.
/// </summary>
public sealed class InjectAuthTests(InjectAuthFixture fixture) : IClassFixture<InjectAuthFixture>
{
    [Fact]
    public async Task OAuthAccount_ClientSendsNoAuth_UpstreamSawXOAuth2WithTheIssuedToken_Delivered()
    {
        var token = fixture.CurrentAccessToken();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var injector = fixture.Injector(http, InjectAuthFixture.OAuthAccount);
        await using var harness = await TapHarness.StartAsync(
            captureFactory: Upstream(["XOAUTH2"], OAuthTestServer.User, token),
            configure: o => o with { InjectAuth = new InjectAuthOptions { Injector = injector } });

        using (var smtp = await harness.ConnectClientAsync())
        {
            Assert.Empty(smtp.AuthenticationMechanisms);
            await smtp.SendAsync(TestMessages.Simple("injected-oauth"));
            await smtp.SendAsync(TestMessages.Simple("injected-oauth-2"));
            await smtp.DisconnectAsync(true);
        }

        var messages = await harness.Capture.WaitForMessagesAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(messages, m => Assert.Equal(OAuthTestServer.User, m.AuthenticatedUser));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("removed AUTH XOAUTH2: the tap authenticates upstream itself (--inject-auth)", transcript, StringComparison.Ordinal);
        AssertInOrder(
            transcript,
            "client>tap MAIL FROM:",
            "AUTH injected: account crm -> server XOAUTH2, token for crm@contoso.example from cache, expires ",
            "tap>server AUTH XOAUTH2 ********",
            "server>tap 235 ");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(transcript, "AUTH injected"));
        AssertNoSecret(await harness.AllOutputAsync());
    }

    [Theory]
    [InlineData(InjectAuthFixture.OAuthAccount, "XOAUTH2")]
    [InlineData(InjectAuthFixture.PasswordAccount, "PLAIN")]
    [InlineData(InjectAuthFixture.PasswordAccount, "LOGIN")]
    public async Task JsonOutput_InjectedSession_NoSecretInConsoleTranscriptFilesOrLog(string account, string mechanism)
    {
        var (user, secret) = account == InjectAuthFixture.OAuthAccount
            ? (OAuthTestServer.User, fixture.CurrentAccessToken())
            : (InjectAuthFixture.ScannerUser, InjectAuthFixture.ServerPassword);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var injector = fixture.Injector(http, account);
        await using var harness = await TapHarness.StartAsync(
            captureFactory: Upstream([mechanism], user, secret),
            configure: o => o with { InjectAuth = new InjectAuthOptions { Injector = injector } },
            json: true);

        await harness.SendMessageAsync("injected-json");

        Assert.Equal(user, Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30))).AuthenticatedUser);
        await harness.WaitForTranscriptAsync("Session closed");
        var all = await harness.AllOutputAsync();
        Assert.Contains("AUTH injected: account " + account, all, StringComparison.Ordinal);
        AssertNoSecret(all);
    }

    [Fact]
    public async Task NonLoopbackClient_530AtMail_TheServerNeverSawAuthOrMail()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["AUTH PLAIN LOGIN", "PIPELINING"] }.Start();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var injector = fixture.Injector(http, InjectAuthFixture.PasswordAccount);
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with
        {
            InjectAuth = new InjectAuthOptions { Injector = injector, IsLocalClient = _ => false },
        });

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<scan@contoso.example>\r\n");
            var refused = await raw.ExpectAsync(530);
            Assert.Equal("5.7.0 Authentication required (smtptap: --inject-auth serves only clients on this machine)", refused.FirstLine);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) || l.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("MAIL refused: --inject-auth serves loopback clients only and the client 127.0.0.1 is not on loopback", transcript, StringComparison.Ordinal);
        Assert.Contains("--inject-auth-allow-remote", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerRefusesTheStoredPassword_Client454_MailNotRelayed_TranscriptNamesStepAndFix()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var injector = fixture.Injector(http, InjectAuthFixture.PasswordAccount);
        await using var harness = await TapHarness.StartAsync(
            captureFactory: Upstream(["PLAIN"], InjectAuthFixture.ScannerUser, "the-server-now-wants-another-password"),
            configure: o => o with { InjectAuth = new InjectAuthOptions { Injector = injector } });

        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<scan@contoso.example>\r\n");
            Assert.StartsWith("4.7.0 Temporary authentication failure (smtptap: could not authenticate as account 'scanner'", (await raw.ExpectAsync(454)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Empty(harness.Capture.Messages);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        AssertInOrder(
            transcript,
            "AUTH injected: account scanner -> server PLAIN, stored password of account 'scanner'",
            "tap>server AUTH PLAIN ********",
            "server>tap 535 ",
            "AUTH injection failed for account 'scanner' at step 'authenticating to the server': the server refused PLAIN with 535",
            "fix: smtptap account test scanner --server URL",
            "tap>client 454 4.7.0");
        AssertNoSecret(await harness.AllOutputAsync());
    }

    [Fact]
    public async Task RealProcess_PasswordAccount_HeloClient_CramMd5OnlyServer_Delivered_ClientsOwnAuth503()
    {
        await using var upstream = await CaptureTestServer.StartAsync(o => o with
        {
            AuthMechanisms = ["CRAM-MD5"],
            Credentials = new Dictionary<string, string> { [InjectAuthFixture.ScannerUser] = InjectAuthFixture.ServerPassword },
        });
        await using var cli = fixture.Cli.Start("proxy", "--listen", "smtp://127.0.0.1:0", "--upstream", $"smtp://127.0.0.1:{upstream.Port}",
            "--inject-auth", InjectAuthFixture.PasswordAccount, "--inject-auth-password-env", AccountCli.AppPasswordVariable,
            "--cert-dir", Path.Combine(fixture.Cli.WorkingDirectory, "certs"));
        var port = await cli.WaitForListenPortAsync();
        await cli.WaitForOutputAsync("AUTH injection on every listener: the tap authenticates every session upstream as account scanner", TimeSpan.FromSeconds(30));

        await using (var raw = await RawSmtpClient.ConnectAsync(port))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("HELO scanner\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("AUTH PLAIN AHNjYW5uZXJAY29udG9zby5leGFtcGxlAGd1ZXNz\r\n");
            Assert.StartsWith("5.5.1 smtptap: already authenticated by the tap", (await raw.ExpectAsync(503)).FirstLine, StringComparison.Ordinal);
            await SendOneAsync(raw, "scan 1");
        }

        var message = await upstream.SingleMessageAsync();
        Assert.Equal(InjectAuthFixture.ScannerUser, message.AuthenticatedUser);
        await cli.WaitForOutputAsync("Session closed", TimeSpan.FromSeconds(30));
        var all = fixture.Cli.Collect(cli, 0);
        AssertInOrder(
            all.Out,
            "AUTH from the client not used",
            "AUTH injection: the client sent no EHLO, so the tap greets the server itself",
            "tap>server EHLO ",
            "AUTH injected: account scanner -> server CRAM-MD5, stored password of account 'scanner'",
            "tap>server AUTH CRAM-MD5",
            "tap>server ******** [user=scanner@contoso.example, digest]",
            "server>tap 235 ");
        AssertNoSecret(all.Out + all.Err);
    }

    [Fact]
    public async Task RealProcess_OnlyTheListenerMarkedInjectAuth_AuthenticatesUpstream_TheOtherRelaysAsBefore()
    {
        await using var upstream = await CaptureTestServer.StartAsync(o => o with
        {
            AuthMechanisms = ["PLAIN"],
            Credentials = new Dictionary<string, string> { [InjectAuthFixture.ScannerUser] = InjectAuthFixture.ServerPassword },
        });
        await using var cli = fixture.Cli.Start("proxy", "--listen", "smtp://127.0.0.1:0?inject-auth", "--listen", "smtp://127.0.0.1:0",
            "--upstream", $"smtp://127.0.0.1:{upstream.Port}",
            "--inject-auth", InjectAuthFixture.PasswordAccount, "--inject-auth-password-env", AccountCli.AppPasswordVariable,
            "--cert-dir", Path.Combine(fixture.Cli.WorkingDirectory, "certs"));
        var marked = int.Parse((await cli.WaitForOutputAsync(new Regex(@"Listening on smtp://127\.0\.0\.1:(\d+)\?inject-auth"), TimeSpan.FromSeconds(60))).Groups[1].Value, CultureInfo.InvariantCulture);
        var plain = int.Parse((await cli.WaitForOutputAsync(new Regex(@"Listening on smtp://127\.0\.0\.1:(\d+)(?![\d?])"), TimeSpan.FromSeconds(60))).Groups[1].Value, CultureInfo.InvariantCulture);
        await cli.WaitForOutputAsync(new Regex(@"AUTH injection on smtp://127\.0\.0\.1:\d+\?inject-auth: the tap authenticates"), TimeSpan.FromSeconds(30));

        // The marked listener: no AUTH offered, the tap authenticates before MAIL.
        await using (var raw = await RawSmtpClient.ConnectAsync(marked))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO scanner\r\n");
            Assert.DoesNotContain("AUTH", string.Join(" ", (await raw.ExpectAsync(250)).Lines), StringComparison.Ordinal);
            await SendOneAsync(raw, "from the marked listener");
        }

        var injected = await upstream.SingleMessageAsync();
        Assert.Equal(InjectAuthFixture.ScannerUser, injected.AuthenticatedUser);

        // The other listener: the server's AUTH is offered and nothing is injected.
        await using (var raw = await RawSmtpClient.ConnectAsync(plain))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO app\r\n");
            Assert.Contains("AUTH PLAIN", string.Join(" ", (await raw.ExpectAsync(250)).Lines), StringComparison.Ordinal);
            await SendOneAsync(raw, "from the other listener");
        }

        var messages = await upstream.Server.WaitForMessagesAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(messages[1].AuthenticatedUser);
        await cli.WaitForOutputAsync(new Regex("Session closed(.|\n)*Session closed"), TimeSpan.FromSeconds(30));
        var all = fixture.Cli.Collect(cli, 0);
        Assert.Equal(1, Regex.Count(all.Out, "AUTH injected: account scanner"));
        AssertNoSecret(all.Out + all.Err);
    }

    /// <summary>
    /// One tap, both jobs: the scanner's listener is marked ?inject-auth (the tap signs in with the stored password), and
    /// on the other listener --oauth2 bridges an app's PLAIN as the OAuth2 account's user to XOAUTH2 with its token.
    /// </summary>
    [Fact]
    public async Task RealProcess_InjectAuthOnTheMarkedListener_OAuth2BridgeOnTheOther_BothDelivered()
    {
        var token = fixture.CurrentAccessToken();
        await using var upstream = await CaptureTestServer.StartAsync(o => o with
        {
            AuthMechanisms = ["PLAIN", "XOAUTH2"],
            Credentials = new Dictionary<string, string> { [InjectAuthFixture.ScannerUser] = InjectAuthFixture.ServerPassword, [OAuthTestServer.User] = token },
        });
        await using var cli = fixture.Cli.Start("proxy", "--listen", "smtp://127.0.0.1:0?inject-auth", "--listen", "smtp://127.0.0.1:0",
            "--upstream", $"smtp://127.0.0.1:{upstream.Port}", "--oauth2",
            "--inject-auth", InjectAuthFixture.PasswordAccount, "--inject-auth-password-env", AccountCli.AppPasswordVariable,
            "--cert-dir", Path.Combine(fixture.Cli.WorkingDirectory, "certs"));
        var marked = int.Parse((await cli.WaitForOutputAsync(new Regex(@"Listening on smtp://127\.0\.0\.1:(\d+)\?inject-auth"), TimeSpan.FromSeconds(60))).Groups[1].Value, CultureInfo.InvariantCulture);
        var other = int.Parse((await cli.WaitForOutputAsync(new Regex(@"Listening on smtp://127\.0\.0\.1:(\d+)(?![\d?])"), TimeSpan.FromSeconds(60))).Groups[1].Value, CultureInfo.InvariantCulture);
        await cli.WaitForOutputAsync("OAuth2 bridge on", TimeSpan.FromSeconds(30));

        await using (var raw = await RawSmtpClient.ConnectAsync(marked))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO scanner\r\n");
            Assert.DoesNotContain("AUTH", string.Join(" ", (await raw.ExpectAsync(250)).Lines), StringComparison.Ordinal);
            await SendOneAsync(raw, "scanned");
        }

        Assert.Equal(InjectAuthFixture.ScannerUser, (await upstream.SingleMessageAsync()).AuthenticatedUser);

        await using (var raw = await RawSmtpClient.ConnectAsync(other))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO crm\r\n");
            Assert.Contains("PLAIN", string.Join(" ", (await raw.ExpectAsync(250)).Lines), StringComparison.Ordinal);
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + OAuthTestServer.User + "\0" + AccountCli.AppPassword));
            await raw.SendAsync("AUTH PLAIN " + plain + "\r\n");
            await raw.ExpectAsync(235);
            await SendOneAsync(raw, "from the crm");
        }

        var messages = await upstream.Server.WaitForMessagesAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(OAuthTestServer.User, messages[1].AuthenticatedUser);
        await cli.WaitForOutputAsync(new Regex("Session closed(.|\n)*Session closed"), TimeSpan.FromSeconds(30));
        var all = fixture.Cli.Collect(cli, 0);
        Assert.Equal(1, Regex.Count(all.Out, "AUTH injected: account scanner"));
        Assert.Contains("AUTH bridged: client PLAIN as " + OAuthTestServer.User + " (app password ok) -> server XOAUTH2", all.Out, StringComparison.Ordinal);
        AssertNoSecret(all.Out + all.Err);
        Assert.DoesNotContain(token, all.Out + all.Err, StringComparison.Ordinal);
    }

    /// <summary>MAIL, one RCPT, DATA and QUIT from an already greeted client, each answered as a server that accepts.</summary>
    private static async Task SendOneAsync(RawSmtpClient raw, string subject)
    {
        await raw.SendAsync("MAIL FROM:<scanner@contoso.example>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<office@contoso.example>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        await raw.SendAsync("Subject: " + subject + "\r\n\r\nA scanned page.\r\n.\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
    }

    [Fact]
    public async Task RealProcess_WrongAppPassword_OneLine_Exit2_NothingStarted()
    {
        var (exit, output, error) = await fixture.Cli.RunAsync("proxy", "--listen", "smtp://127.0.0.1:0", "--upstream", "smtp://127.0.0.1:9",
            "--inject-auth", InjectAuthFixture.PasswordAccount, "--inject-auth-password-env", InjectAuthFixture.WrongAppPasswordVariable,
            "--cert-dir", Path.Combine(fixture.Cli.WorkingDirectory, "certs"));
        Assert.Equal(2, exit);
        Assert.Equal(
            $"smtptap proxy: --inject-auth scanner: the app password in {InjectAuthFixture.WrongAppPasswordVariable} does not open the account (wrong app password, or its store was replaced); nothing was started",
            error.Trim());
        Assert.DoesNotContain("Listening", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-app-password", output + error, StringComparison.Ordinal);

        var (unknownExit, _, unknown) = await fixture.Cli.RunAsync("proxy", "--listen", "smtp://127.0.0.1:0", "--upstream", "smtp://127.0.0.1:9",
            "--inject-auth", "nobody", "--inject-auth-password-env", AccountCli.AppPasswordVariable, "--cert-dir", Path.Combine(fixture.Cli.WorkingDirectory, "certs"));
        Assert.Equal(2, unknownExit);
        Assert.Equal("smtptap proxy: --inject-auth nobody: unknown account 'nobody' (see smtptap account list)", unknown.Trim());
    }

    internal static Func<LeafCertificateCache, string, CaptureServerOptions> Upstream(string[] mechanisms, string user, string secret) =>
        (leaves, directory) => new CaptureServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Certificates = leaves,
            CaptureDirectory = directory,
            AuthMechanisms = mechanisms,
            Credentials = new Dictionary<string, string> { [user] = secret },
        };

    internal static void AssertInOrder(string text, params string[] expected)
    {
        var at = 0;
        foreach (var line in expected)
        {
            var next = text.IndexOf(line, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"'{line}' missing (in order) from:\n{text}");
            at = next + line.Length;
        }
    }

    private void AssertNoSecret(string all)
    {
        foreach (var secret in fixture.Secrets())
        {
            SecretCanary.AssertAbsent(secret, all);
        }
    }
}
