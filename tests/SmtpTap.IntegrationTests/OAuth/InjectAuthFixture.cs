using SmtpTap.Bridge;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.OAuth;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// One real OpenIddict server on loopback and one SmtpTap home with two accounts made by the real commands: <c>crm</c>
/// (OAuth2, client credentials, signed in) and <c>scanner</c> (<c>--provider password</c>, its server password stored with
/// <c>account login --password-env</c>). Shared by the --inject-auth, translation and <c>account test</c> tests.
/// </summary>
public sealed class InjectAuthFixture : IAsyncLifetime
{
    public const string OAuthAccount = "crm";
    public const string PasswordAccount = "scanner";
    public const string ScannerUser = "scanner@contoso.example";
    public const string ServerPassword = "server-password-canary-0b7e93";
    public const string ServerPasswordVariable = "SMTPTAP_TEST_SERVER_PASSWORD";
    public const string WrongAppPasswordVariable = "SMTPTAP_TEST_WRONG_APP_PASSWORD";

    internal OAuthTestServer Server { get; private set; } = null!;

    internal AccountCli Cli { get; } = new();

    internal SmtpTapHome Home => SmtpTapHome.At(Cli.Home);

    public async Task InitializeAsync()
    {
        Server = await OAuthTestServer.StartAsync();
        Cli.Environment[ServerPasswordVariable] = ServerPassword;
        Cli.Environment[WrongAppPasswordVariable] = "not-the-app-password";
        await RunOkAsync("account", "add", OAuthAccount, "--provider", "generic", "--client-id", OAuthTestServer.ConfidentialClientId,
            "--client-secret-env", AccountCli.ClientSecretVariable, "--token-endpoint", Server.TokenEndpoint, "--scope", OAuthTestServer.SmtpScope,
            "--flow", "client-credentials", "--user", OAuthTestServer.User);
        await RunOkAsync("account", "login", OAuthAccount, "--app-password-env", AccountCli.AppPasswordVariable);
        await RunOkAsync("account", "add", PasswordAccount, "--provider", "password", "--user", ScannerUser);
        await RunOkAsync("account", "login", PasswordAccount, "--password-env", ServerPasswordVariable, "--app-password-env", AccountCli.AppPasswordVariable);
    }

    /// <summary>The access token the vault holds now (the one the tap should send).</summary>
    internal string CurrentAccessToken() => new TokenVault(Home).Load(OAuthAccount, AccountCli.AppPassword).AccessToken!;

    internal AccountAuthBridge Bridge(HttpClient http) =>
        AccountAuthBridge.Create(Home, http, name => name == AccountCli.ClientSecretVariable ? OAuthTestServer.ClientSecret : null);

    internal AccountAuthInjector Injector(HttpClient http, string account) =>
        AccountAuthInjector.Open(Bridge(http), account, AccountCli.AppPassword);

    /// <summary>Every secret of this home: the tokens the identity provider issued, the app password, the server password.</summary>
    internal IEnumerable<string> Secrets() => Server.Secrets.Append(AccountCli.AppPassword).Append(ServerPassword).Append(OAuthTestServer.ClientSecret);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Cli.Dispose();
    }

    private async Task RunOkAsync(params string[] args)
    {
        var (exit, output, error) = await Cli.RunAsync(args);
        Assert.True(exit == 0, string.Join(' ', args) + "\n" + output + error);
    }
}
