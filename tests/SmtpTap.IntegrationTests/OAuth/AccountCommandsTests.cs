using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.OAuth;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// The real <c>smtptap account</c> commands against a real OAuth2 authorization server (OpenIddict on loopback):
/// each flow logs in and stores tokens encrypted, <c>list</c> shows the state, <c>refresh</c> uses the stored refresh
/// token, a wrong app password refuses without asking the server, bad input gets one line and exit 2, and no token,
/// code, verifier or secret shows in any output or in clear on disk.
/// </summary>
public sealed partial class AccountCommandsTests : IAsyncLifetime
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);
    private OAuthTestServer _server = null!;
    private readonly AccountCli _cli = new();

    public async Task InitializeAsync() => _server = await OAuthTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _cli.Dispose();
    }

    [Fact]
    public async Task ClientCredentials_LoginThenListShowsValid_NoSecretAnywhere()
    {
        await AddClientCredentialsAsync("daemon", OAuthTestServer.SmtpScope);

        var (exit, output, error) = await _cli.RunAsync("account", "login", "daemon", "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.True(exit == 0, output + error);
        Assert.Contains("Signed in: access token for crm@contoso.example valid until", output, StringComparison.Ordinal);
        Assert.Contains("Tokens stored encrypted", output, StringComparison.Ordinal);
        var token = Path.Combine(_cli.Home, "tokens", "daemon.tokens");
        Assert.True(File.Exists(token));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(token));
        }

        var (listExit, list, _) = await _cli.RunAsync("account", "list");
        Assert.Equal(0, listExit);
        Assert.Matches(@"daemon\s+generic\s+crm@contoso\.example\s+client-credentials\s+valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", list);
        _cli.AssertNoSecretAnywhere(_server);
    }

    [Fact]
    public async Task DeviceFlow_ApprovedThroughTheServer_StoresTokensAndRefreshes()
    {
        await AddPublicAsync("device", "device");

        await using var login = _cli.Start("account", "login", "device", "--app-password-env", AccountCli.AppPasswordVariable);
        var prompt = await login.WaitForOutputAsync(DeviceCodeRegex(), s_wait);
        Assert.StartsWith(_server.Issuer + "connect/verify", prompt.Groups[1].Value, StringComparison.Ordinal);
        await _server.ApproveDeviceAsync(prompt.Groups[2].Value);
        var (exit, output, error) = _cli.Collect(login, await login.WaitForExitAsync(s_wait));

        Assert.True(exit == 0, output + error);
        Assert.Contains("refresh token received", output, StringComparison.Ordinal);
        var (_, list, _) = await _cli.RunAsync("account", "list");
        Assert.Matches(@"device\s+generic\s+crm@contoso\.example\s+device\s+valid until ", list);
        var (refreshExit, refreshed, refreshError) = await _cli.RunAsync("account", "refresh", "device", "--app-password-env", AccountCli.AppPasswordVariable);
        Assert.True(refreshExit == 0, refreshed + refreshError);
        _cli.AssertNoSecretAnywhere(_server);
    }

    [Fact]
    public async Task BrowserFlow_NoBrowser_FollowPrintedUrl_ThenRefreshAndWrongAppPassword()
    {
        await AddPublicAsync("browser", "browser", useIssuer: true);

        await using var login = _cli.Start("account", "login", "browser", "--no-browser", "--app-password-env", AccountCli.AppPasswordVariable);
        var url = (await login.WaitForOutputAsync(AuthorizeUrlRegex(), s_wait)).Value;
        Assert.Contains("code_challenge_method=S256", url, StringComparison.Ordinal);
        Assert.Contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A", url, StringComparison.Ordinal);
        using (var http = new HttpClient { Timeout = s_wait })
        {
            var page = await http.GetStringAsync(new Uri(url));
            Assert.Contains("sign-in received", page, StringComparison.Ordinal);
        }

        var (exit, output, error) = _cli.Collect(login, await login.WaitForExitAsync(s_wait));
        Assert.True(exit == 0, output + error);

        var before = _server.TokenRequests;
        var (refreshExit, refreshed, refreshError) = await _cli.RunAsync("account", "refresh", "browser", "--app-password-env", AccountCli.AppPasswordVariable);
        Assert.True(refreshExit == 0, refreshed + refreshError);
        Assert.Contains("Refreshed: access token for crm@contoso.example valid until", refreshed, StringComparison.Ordinal);
        Assert.Equal(before + 1, _server.TokenRequests);

        _cli.Environment[AccountCli.AppPasswordVariable] = "not-the-app-password";
        var (wrongExit, _, wrong) = await _cli.RunAsync("account", "refresh", "browser", "--app-password-env", AccountCli.AppPasswordVariable);
        Assert.Equal(2, wrongExit);
        Assert.Equal("smtptap account: wrong app password for account 'browser' (or its token store was tampered with)", wrong.Trim());
        Assert.Equal(before + 1, _server.TokenRequests);
        _cli.Environment[AccountCli.AppPasswordVariable] = AccountCli.AppPassword;
        _cli.AssertNoSecretAnywhere(_server);
    }

    [Fact]
    public async Task UpstreamCredentials_AfterLogin_ExpiredTokenRefreshedAtTheServer_WrongAppPasswordNeverAsks()
    {
        await AddPublicAsync("browser", "browser");
        await using (var login = _cli.Start("account", "login", "browser", "--no-browser", "--app-password-env", AccountCli.AppPasswordVariable))
        {
            var url = (await login.WaitForOutputAsync(AuthorizeUrlRegex(), s_wait)).Value;
            using var browser = new HttpClient { Timeout = s_wait };
            await browser.GetStringAsync(new Uri(url));
            var (exit, output, error) = _cli.Collect(login, await login.WaitForExitAsync(s_wait));
            Assert.True(exit == 0, output + error);
        }

        var home = SmtpTapHome.At(_cli.Home);
        using var http = new HttpClient { Timeout = s_wait };
        var credentials = new AccountCredentials(new AccountStore(home), new TokenVault(home), AccountCredentials.HttpRefresher(http, _ => null),
            new ShiftedTime(TimeSpan.FromHours(2)));
        var before = _server.TokenRequests;

        await Assert.ThrowsAsync<WrongAppPasswordException>(() => credentials.GetAsync(OAuthTestServer.User, "wrong-app-password", ["XOAUTH2"], CancellationToken.None));
        Assert.Equal(before, _server.TokenRequests);
        var result = await credentials.GetAsync(OAuthTestServer.User, AccountCli.AppPassword, ["PLAIN", "XOAUTH2"], CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal(TokenSource.Refreshed, result.Source);
        Assert.Equal("XOAUTH2", result.Mechanism);
        Assert.Equal(before + 1, _server.TokenRequests);
        var response = System.Text.Encoding.UTF8.GetString(result.InitialResponse);
        Assert.StartsWith("user=crm@contoso.example\u0001auth=Bearer ", response, StringComparison.Ordinal);
        Assert.Contains(response["user=crm@contoso.example\u0001auth=Bearer ".Length..^2], _server.Secrets);
        _cli.AssertNoSecretAnywhere(_server);
    }

    [Fact]
    public async Task RevokedGrant_RefreshRefusedWithInvalidGrantAndTheFix()
    {
        await AddPublicAsync("browser", "browser");
        await using (var login = _cli.Start("account", "login", "browser", "--no-browser", "--app-password-env", AccountCli.AppPasswordVariable))
        {
            var url = (await login.WaitForOutputAsync(AuthorizeUrlRegex(), s_wait)).Value;
            using var browser = new HttpClient { Timeout = s_wait };
            await browser.GetStringAsync(new Uri(url));
            var (loginExit, output, loginError) = _cli.Collect(login, await login.WaitForExitAsync(s_wait));
            Assert.True(loginExit == 0, output + loginError);
        }

        await _server.RevokeAllTokensAsync();
        var (exit, _, error) = await _cli.RunAsync("account", "refresh", "browser", "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.Equal(2, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.True(error.StartsWith("smtptap account: refresh refused by the identity provider: invalid_grant", StringComparison.Ordinal), error);
        Assert.EndsWith("run smtptap account login browser", error.Trim(), StringComparison.Ordinal);
        _cli.AssertNoSecretAnywhere(_server);
    }

    [Fact]
    public async Task BrowserFlow_RedirectWithWrongState_RefusedWithOneLine()
    {
        await AddPublicAsync("browser", "browser");

        await using var login = _cli.Start("account", "login", "browser", "--no-browser", "--app-password-env", AccountCli.AppPasswordVariable);
        var url = (await login.WaitForOutputAsync(AuthorizeUrlRegex(), s_wait)).Value;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = s_wait };
        using var redirect = await http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var forged = StateRegex().Replace(redirect.Headers.Location!.ToString(), "state=forged");
        await http.GetStringAsync(new Uri(forged));
        var (exit, _, error) = _cli.Collect(login, await login.WaitForExitAsync(s_wait));

        Assert.Equal(2, exit);
        Assert.Equal("smtptap account: the sign-in redirect carried a wrong state; login abandoned (a stale or forged redirect)", error.Trim());
        Assert.False(File.Exists(Path.Combine(_cli.Home, "tokens", "browser.tokens")));
        _cli.AssertNoSecretAnywhere(_server);
    }

    [Fact]
    public async Task SecondLoginWhileTheFirstRuns_RefusedWithOneLine()
    {
        await AddPublicAsync("browser", "browser");
        await using var first = _cli.Start("account", "login", "browser", "--no-browser", "--app-password-env", AccountCli.AppPasswordVariable);
        await first.WaitForOutputAsync(AuthorizeUrlRegex(), s_wait);

        var (exit, _, error) = await _cli.RunAsync("account", "login", "browser", "--no-browser", "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.Equal(2, exit);
        Assert.Equal("smtptap account: another login for account 'browser' is in progress; finish or stop it first", error.Trim());
    }

    [Fact]
    public async Task InvalidClient_OneLineWithTheProvidersErrorAndNoSecret()
    {
        await AddClientCredentialsAsync("daemon", OAuthTestServer.SmtpScope);
        _cli.Environment[AccountCli.ClientSecretVariable] = "wrong-client-secret-canary-31b";

        var (exit, output, error) = await _cli.RunAsync("account", "login", "daemon", "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.Equal(2, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.True(error.StartsWith("smtptap account: client-credentials token request refused by the identity provider: invalid_client", StringComparison.Ordinal), error);
        Assert.DoesNotContain("wrong-client-secret", output + error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_cli.Home, "tokens", "daemon.tokens")));
    }

    [Fact]
    public async Task InvalidScope_OneLineWithTheProvidersError()
    {
        await AddClientCredentialsAsync("daemon", "no-such-scope");

        var (exit, _, error) = await _cli.RunAsync("account", "login", "daemon", "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.Equal(2, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("smtptap account: client-credentials token request refused by the identity provider: invalid_scope", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdentityProviderUnreachable_OneLine()
    {
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }

        var (addExit, _, addError) = await _cli.RunAsync("account", "add", "gone", "--provider", "generic", "--client-id", OAuthTestServer.ConfidentialClientId,
            "--client-secret-env", AccountCli.ClientSecretVariable, "--token-endpoint", $"http://127.0.0.1:{port}/connect/token", "--scope", "smtp",
            "--flow", "client-credentials", "--user", OAuthTestServer.User);
        Assert.True(addExit == 0, addError);

        var (exit, _, error) = await _cli.RunAsync("account", "login", "gone", "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.Equal(2, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith($"smtptap account: identity provider unreachable at 127.0.0.1:{port} (client-credentials token request)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("login", "nobody", "smtptap account: unknown account 'nobody' (see smtptap account list)")]
    [InlineData("remove", "nobody", "smtptap account: unknown account 'nobody' (see smtptap account list)")]
    [InlineData("refresh", "nobody", "smtptap account: unknown account 'nobody' (see smtptap account list)")]
    public async Task UnknownAccount_OneLineExit2(string verb, string name, string expected)
    {
        var (exit, _, error) = verb == "remove"
            ? await _cli.RunAsync("account", verb, name)
            : await _cli.RunAsync("account", verb, name, "--app-password-env", AccountCli.AppPasswordVariable);

        Assert.Equal(2, exit);
        Assert.Equal(expected, error.Trim());
    }

    [Fact]
    public async Task Home_IsTheSameFromAnyWorkingDirectory()
    {
        await AddClientCredentialsAsync("daemon", OAuthTestServer.SmtpScope);
        using var elsewhere = new TempDirectory();

        await using var cli = CliProcess.Start(elsewhere.Path, _cli.Environment, "account", "list");
        var (exit, list, _) = _cli.Collect(cli, await cli.WaitForExitAsync(s_wait));

        Assert.Equal(0, exit);
        Assert.Matches(@"daemon\s+generic\s+crm@contoso\.example\s+client-credentials\s+needs login", list);
        Assert.False(File.Exists(Path.Combine(elsewhere.Path, "accounts.json")));
    }

    private async Task AddClientCredentialsAsync(string name, string scope)
    {
        var (exit, output, error) = await _cli.RunAsync("account", "add", name, "--provider", "generic", "--client-id", OAuthTestServer.ConfidentialClientId,
            "--client-secret-env", AccountCli.ClientSecretVariable, "--token-endpoint", _server.TokenEndpoint, "--scope", scope,
            "--flow", "client-credentials", "--user", OAuthTestServer.User);
        Assert.True(exit == 0, output + error);
    }

    private async Task AddPublicAsync(string name, string flow, bool useIssuer = false)
    {
        string[] endpoints = useIssuer
            ? ["--issuer", _server.Issuer]
            : ["--authorize-endpoint", _server.AuthorizeEndpoint, "--token-endpoint", _server.TokenEndpoint, "--device-endpoint", _server.DeviceEndpoint];
        var (exit, output, error) = await _cli.RunAsync([
            "account", "add", name, "--provider", "generic", "--client-id", OAuthTestServer.PublicClientId, .. endpoints,
            "--scope", OAuthTestServer.SmtpScope, "--scope", "offline_access", "--flow", flow, "--user", OAuthTestServer.User]);
        Assert.True(exit == 0, output + error);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }

    [GeneratedRegex(@"open (\S+) and enter the code (\S+)")]
    private static partial Regex DeviceCodeRegex();

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/connect/authorize\?\S+")]
    private static partial Regex AuthorizeUrlRegex();

    [GeneratedRegex(@"state=[^&]+")]
    private static partial Regex StateRegex();
}
