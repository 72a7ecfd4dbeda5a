using System.Text;
using SmtpTap.OAuth;
using SmtpTap.Tests.Certificates;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.OAuth;

/// <summary>
/// <c>--provider password</c> accounts: the server password stored encrypted with the app password (nothing in clear on
/// disk), the mechanism the tap picks from what the server offers, and the option checks of <c>account add</c>.
/// </summary>
public sealed class PasswordAccountTests : IDisposable
{
    private const string AppPassword = "scanner-app-password-9d1";
    private const string ServerPassword = "server-password-canary-51be7";
    private readonly TempDirectory _temp = new();
    private readonly SmtpTapHome _home;
    private readonly TokenVault _vault;
    private readonly AccountStore _store;

    public PasswordAccountTests()
    {
        _home = SmtpTapHome.At(_temp.Combine("home"));
        _vault = new TokenVault(_home, new KdfCost(1024, 1, 1));
        _store = new AccountStore(_home);
    }

    public void Dispose() => _temp.Dispose();

    private AccountDefinition Add(UpstreamMechanism mechanism = UpstreamMechanism.Auto)
    {
        var account = ProviderPresets.Build(new AccountRequest { Name = "scanner", Provider = OAuthProvider.Password, User = "scan@contoso.example", Mechanism = mechanism });
        _store.Add(account);
        _vault.Save("scanner", AppPassword, new TokenSet { ServerPassword = ServerPassword });
        return account;
    }

    private AccountCredentials Credentials() =>
        new(_store, _vault, (_, _, _) => throw new InvalidOperationException("a password account never refreshes"));

    [Theory]
    [InlineData(new[] { "PLAIN", "LOGIN", "CRAM-MD5" }, "PLAIN")]
    [InlineData(new[] { "LOGIN", "CRAM-MD5" }, "LOGIN")]
    [InlineData(new[] { "CRAM-MD5", "XOAUTH2" }, "CRAM-MD5")]
    public async Task Auto_PrefersPlainThenLoginThenCramMd5(string[] offered, string expected)
    {
        var result = await Credentials().GetForAccountAsync(Add(), AppPassword, offered, CancellationToken.None);
        Assert.Equal(expected, result.Mechanism);
        Assert.Equal(ServerPassword, result.Password);
        Assert.Null(result.AccessToken);
        SecretCanary.AssertAbsent(ServerPassword, result.ToString());
    }

    [Fact]
    public async Task ClientUserWithAppPassword_GetsTheStoredPassword_WrongAppPasswordThrows()
    {
        Add();
        var result = await Credentials().GetAsync("SCAN@contoso.example", AppPassword, ["LOGIN"], CancellationToken.None);
        Assert.Equal("LOGIN", result!.Mechanism);
        await Assert.ThrowsAsync<WrongAppPasswordException>(() => Credentials().GetAsync("scan@contoso.example", "wrong-app-password", ["LOGIN"], CancellationToken.None));
    }

    [Fact]
    public async Task Open_ChecksTheAppPasswordOnce_ThenSessionsUseTheMemoryCopy()
    {
        var account = Add();
        var credentials = Credentials();
        Assert.Throws<WrongAppPasswordException>(() => credentials.Open(account, "wrong-app-password"));
        Assert.Equal(ServerPassword, credentials.Open(account, AppPassword).ServerPassword);
        var result = await credentials.GetForAccountAsync(account, AppPassword, ["PLAIN"], CancellationToken.None);
        Assert.Equal(ServerPassword, result.Password);
        await Assert.ThrowsAsync<WrongAppPasswordException>(() => credentials.GetForAccountAsync(account, "wrong-app-password", ["PLAIN"], CancellationToken.None));
    }

    [Fact]
    public void AccountMechanism_IsKept_OrTheServerMustOfferIt()
    {
        var account = Add(UpstreamMechanism.CramMd5);
        Assert.Equal("CRAM-MD5", AccountCredentials.ChoosePasswordMechanism(account, ["PLAIN", "CRAM-MD5"]));
        var ex = Assert.Throws<OAuthException>(() => AccountCredentials.ChoosePasswordMechanism(account, ["PLAIN", "LOGIN"]));
        Assert.Equal("the server offers none of CRAM-MD5 for account 'scanner' (it offers: PLAIN LOGIN)", ex.Message);
    }

    [Fact]
    public void ServerOffersNoPasswordMechanism_OneClearLine()
    {
        var ex = Assert.Throws<OAuthException>(() => AccountCredentials.ChooseMechanism(Add(), ["XOAUTH2"]));
        Assert.Equal("the server offers none of PLAIN, LOGIN, CRAM-MD5 for account 'scanner' (it offers: XOAUTH2)", ex.Message);
    }

    [Fact]
    public void Disk_HoldsNoServerPassword_NorAppPassword_InClear_StateSaysStored()
    {
        Add();
        var files = Directory.EnumerateFiles(_home.Path, "*", SearchOption.AllDirectories).Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f)));
        var all = string.Join("\n", files);
        SecretCanary.AssertAbsent(ServerPassword, all);
        SecretCanary.AssertAbsent(AppPassword, all);
        Assert.Contains("\"provider\": \"password\"", all, StringComparison.Ordinal);
        Assert.Equal("password stored", _vault.State("scanner").Describe(DateTimeOffset.UtcNow));
        Assert.Equal(ServerPassword, _vault.Load("scanner", AppPassword).ServerPassword);
        Assert.Equal("TokenSet(server password: stored)", _vault.Load("scanner", AppPassword).ToString());
    }

    [Theory]
    [InlineData("client", null, "auto", "--provider password takes only --user and --mechanism")]
    [InlineData("", "device", "auto", "--provider password takes only --user and --mechanism")]
    [InlineData("", null, "xoauth2", "--mechanism xoauth2 and oauthbearer need an OAuth2 provider")]
    public void Add_PasswordWithOAuthOptions_OneClearLine(string clientId, string? flow, string mechanism, string expected)
    {
        var ex = Assert.Throws<OAuthException>(() => ProviderPresets.Build(new AccountRequest
        {
            Name = "scanner",
            Provider = OAuthProvider.Password,
            User = "scan@contoso.example",
            ClientId = clientId,
            Flow = flow is null ? null : OAuthFlow.Device,
            Mechanism = mechanism == "xoauth2" ? UpstreamMechanism.XOAuth2 : UpstreamMechanism.Auto,
        }));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_OAuthAccountWithAPasswordMechanism_OneClearLine()
    {
        var ex = Assert.Throws<OAuthException>(() => ProviderPresets.Build(new AccountRequest
        {
            Name = "crm",
            Provider = OAuthProvider.Google,
            ClientId = "client",
            User = "crm@contoso.example",
            Mechanism = UpstreamMechanism.Login,
        }));
        Assert.StartsWith("--mechanism plain, login and cram-md5 are for --provider password", ex.Message, StringComparison.Ordinal);
    }
}
