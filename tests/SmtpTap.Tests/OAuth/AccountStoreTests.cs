using SmtpTap.OAuth;
using SmtpTap.Tests.Certificates;

namespace SmtpTap.Tests.OAuth;

public sealed class AccountStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static AccountDefinition Account(string name) => ProviderPresets.Build(new AccountRequest
    {
        Name = name,
        Provider = OAuthProvider.Microsoft,
        ClientId = "client",
        ClientSecretEnv = "MS_CLIENT_SECRET",
        Tenant = "contoso.onmicrosoft.com",
        Flow = OAuthFlow.ClientCredentials,
        User = "crm@contoso.com",
        Mechanism = UpstreamMechanism.XOAuth2,
    });

    [Fact]
    public void AddListRemove_RoundTripThroughAccountsJson()
    {
        var store = new AccountStore(SmtpTapHome.At(_temp.Combine("home")));

        store.Add(Account("work"));
        store.Add(Account("other"));
        var reread = new AccountStore(SmtpTapHome.At(_temp.Combine("home")));

        Assert.Equal(["work", "other"], reread.List().Select(a => a.Name));
        var work = reread.Get("work");
        Assert.Equal(UpstreamMechanism.XOAuth2, work.Mechanism);
        Assert.Equal(OAuthFlow.ClientCredentials, work.Flow);
        Assert.Equal("MS_CLIENT_SECRET", work.ClientSecretEnv);
        Assert.True(reread.Remove("work"));
        Assert.False(reread.Remove("work"));
        Assert.Equal(["other"], reread.List().Select(a => a.Name));
    }

    [Fact]
    public void AccountsJson_UsesCommandLineSpellingsAndNamesTheSecretVariableOnly()
    {
        var home = SmtpTapHome.At(_temp.Combine("home"));
        new AccountStore(home).Add(Account("work"));

        var json = File.ReadAllText(home.AccountsFile);

        Assert.Contains("\"provider\": \"microsoft\"", json, StringComparison.Ordinal);
        Assert.Contains("\"flow\": \"client-credentials\"", json, StringComparison.Ordinal);
        Assert.Contains("\"mechanism\": \"xoauth2\"", json, StringComparison.Ordinal);
        Assert.Contains("\"clientSecretEnv\": \"MS_CLIENT_SECRET\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_And_Unknown_ClearErrors()
    {
        var store = new AccountStore(SmtpTapHome.At(_temp.Combine("home")));
        store.Add(Account("work"));

        var duplicate = Assert.Throws<OAuthException>(() => store.Add(Account("work")));
        var unknown = Assert.Throws<OAuthException>(() => store.Get("nobody"));

        Assert.Equal("account 'work' already exists (smtptap account remove work first)", duplicate.Message);
        Assert.Equal("unknown account 'nobody' (see smtptap account list)", unknown.Message);
    }

    [Fact]
    public void Remove_DeletesTheTokenStore()
    {
        var home = SmtpTapHome.At(_temp.Combine("home"));
        var store = new AccountStore(home);
        store.Add(Account("work"));
        new TokenVault(home, new KdfCost(1024, 1, 1)).Save("work", "app password", new TokenSet { RefreshToken = "r" });

        store.Remove("work");

        Assert.False(File.Exists(home.TokenFile("work")));
    }

    [Fact]
    public void LoginLock_SecondHolderRefused_FreeAgainAfterRelease()
    {
        var home = SmtpTapHome.At(_temp.Combine("home"));

        using (LoginLock.Acquire(home, "work"))
        {
            var ex = Assert.Throws<OAuthException>(() => LoginLock.Acquire(home, "work"));
            Assert.Equal("another login for account 'work' is in progress; finish or stop it first", ex.Message);
            using var other = LoginLock.Acquire(home, "other");
        }

        using var again = LoginLock.Acquire(home, "work");
    }

    [Fact]
    public void DamagedAccountsJson_ClearError()
    {
        var home = SmtpTapHome.At(_temp.Combine("home"));
        home.EnsureCreated();
        File.WriteAllText(home.AccountsFile, "{ not json");

        var ex = Assert.Throws<OAuthException>(() => new AccountStore(home).List());

        Assert.StartsWith(home.AccountsFile + " is not valid", ex.Message, StringComparison.Ordinal);
    }
}
