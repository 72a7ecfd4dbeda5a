using System.Text;
using SmtpTap.IntegrationTests.Capture;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.OAuth;

/// <summary>
/// <c>smtptap account test NAME --server URL</c> as a real process against the capture server: the account's token (from
/// the real OpenIddict server) or stored password authenticates; exit 0 on 235, 6 with the server's verdict explained
/// when refused, 2 with one line for a wrong app password. No secret in the text or JSON output, nor on disk in clear.
/// </summary>
public sealed class AccountTestCommandTests(InjectAuthFixture fixture) : IClassFixture<InjectAuthFixture>
{
    [Fact]
    public async Task PasswordAccount_CramMd5OnlyServer_Exit0_StepsMasked()
    {
        await using var server = await Server(["CRAM-MD5"], InjectAuthFixture.ScannerUser, InjectAuthFixture.ServerPassword);
        var (exit, output, error) = await TestAsync(InjectAuthFixture.PasswordAccount, server.Port);
        Assert.True(exit == 0, output + error);
        InjectAuthTests.AssertInOrder(
            output,
            "Account scanner (password) for scanner@contoso.example: stored server password opened with the app password; trying PLAIN, then LOGIN, then CRAM-MD5.",
            "AUTH CRAM-MD5",
            "******** [user=scanner@contoso.example",
            "235 ");
        AssertNoSecret(output + error);
    }

    [Fact]
    public async Task OAuthAccount_XOAuth2_WithTheIssuedToken_Exit0()
    {
        await using var server = await Server(["XOAUTH2"], OAuthTestServer.User, fixture.CurrentAccessToken());
        var (exit, output, error) = await TestAsync(InjectAuthFixture.OAuthAccount, server.Port);
        Assert.True(exit == 0, output + error);
        InjectAuthTests.AssertInOrder(output, "Account crm (generic) for crm@contoso.example: access token from the store, valid until ", "AUTH XOAUTH2 ********", "235 ");
        AssertNoSecret(output + error);
    }

    [Fact]
    public async Task ServerRefuses_Exit6_VerdictExplained_JsonHasNoSecret()
    {
        await using var server = await Server(["PLAIN", "LOGIN"], InjectAuthFixture.ScannerUser, "a-password-the-account-does-not-hold");
        var (exit, output, error) = await TestAsync(InjectAuthFixture.PasswordAccount, server.Port);
        Assert.Equal(6, exit);
        Assert.Contains("AUTH PLAIN ********", output, StringComparison.Ordinal);
        Assert.Contains("535 ", output, StringComparison.Ordinal);
        Assert.Contains("5.7.8", output + error, StringComparison.Ordinal);

        var (jsonExit, json, jsonError) = await TestAsync(InjectAuthFixture.PasswordAccount, server.Port, "--json");
        Assert.Equal(6, jsonExit);
        Assert.StartsWith("{", json.TrimStart(), StringComparison.Ordinal);
        AssertNoSecret(output + error + json + jsonError);
    }

    [Fact]
    public async Task WrongAppPassword_OneLine_Exit2_ServerNeverContacted()
    {
        await using var server = await Server(["PLAIN"], InjectAuthFixture.ScannerUser, InjectAuthFixture.ServerPassword);
        var (exit, output, error) = await fixture.Cli.RunAsync("account", "test", InjectAuthFixture.PasswordAccount, "--server", $"smtp://127.0.0.1:{server.Port}",
            "--app-password-env", InjectAuthFixture.WrongAppPasswordVariable);
        Assert.Equal(2, exit);
        Assert.Equal("smtptap account: wrong app password for account 'scanner' (or its token store was tampered with)", error.Trim());
        Assert.Empty(output.Trim());
        AssertNoSecret(output + error);
    }

    [Fact]
    public async Task Home_HoldsNoSecretInClear_AfterEveryCommand()
    {
        await using var server = await Server(["PLAIN"], InjectAuthFixture.ScannerUser, InjectAuthFixture.ServerPassword);
        Assert.Equal(0, (await TestAsync(InjectAuthFixture.PasswordAccount, server.Port)).Exit);
        var (listExit, list, _) = await fixture.Cli.RunAsync("account", "list");
        Assert.Equal(0, listExit);
        Assert.Contains("password stored", list, StringComparison.Ordinal);
        var files = Directory.EnumerateFiles(fixture.Cli.Home, "*", SearchOption.AllDirectories).Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f)));
        AssertNoSecret(string.Join("\n----\n", files) + list);
    }

    private static Task<CaptureTestServer> Server(string[] mechanisms, string user, string secret) =>
        CaptureTestServer.StartAsync(o => o with { AuthMechanisms = mechanisms, Credentials = new Dictionary<string, string> { [user] = secret } });

    private Task<(int Exit, string Out, string Err)> TestAsync(string account, int port, params string[] more) =>
        fixture.Cli.RunAsync(["account", "test", account, "--server", $"smtp://127.0.0.1:{port}", "--app-password-env", AccountCli.AppPasswordVariable, .. more]);

    private void AssertNoSecret(string all)
    {
        foreach (var secret in fixture.Secrets())
        {
            SecretCanary.AssertAbsent(secret, all);
        }
    }
}
