using SmtpTap.IntegrationTests.Support;
using SmtpTap.OAuth;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// One real OpenIddict server on loopback and one SmtpTap home with the account <c>crm</c> (client credentials), signed in
/// once through the real <c>smtptap account add/login</c> commands, shared by the bridge tests.
/// </summary>
public sealed class OAuth2BridgeFixture : IAsyncLifetime
{
    public const string Account = "crm";

    internal OAuthTestServer Server { get; private set; } = null!;

    internal AccountCli Cli { get; } = new();

    internal SmtpTapHome Home => SmtpTapHome.At(Cli.Home);

    public async Task InitializeAsync()
    {
        Server = await OAuthTestServer.StartAsync();
        var (addExit, addOut, addError) = await Cli.RunAsync("account", "add", Account, "--provider", "generic", "--client-id", OAuthTestServer.ConfidentialClientId,
            "--client-secret-env", AccountCli.ClientSecretVariable, "--token-endpoint", Server.TokenEndpoint, "--scope", OAuthTestServer.SmtpScope,
            "--flow", "client-credentials", "--user", OAuthTestServer.User);
        Assert.True(addExit == 0, addOut + addError);
        var (exit, output, error) = await Cli.RunAsync("account", "login", Account, "--app-password-env", AccountCli.AppPasswordVariable);
        Assert.True(exit == 0, output + error);
    }

    /// <summary>The access token the vault holds now (the one the bridge should send).</summary>
    internal string CurrentAccessToken() => new TokenVault(Home).Load(Account, AccountCli.AppPassword).AccessToken!;

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Cli.Dispose();
    }
}
