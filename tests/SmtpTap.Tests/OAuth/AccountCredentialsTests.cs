using System.Text;
using SmtpTap.OAuth;
using SmtpTap.Tests.Certificates;

namespace SmtpTap.Tests.OAuth;

public sealed class AccountCredentialsTests : IDisposable
{
    private const string AppPassword = "legacy-app-password";
    private static readonly DateTimeOffset s_now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly SmtpTapHome _home;
    private readonly TokenVault _vault;
    private readonly AccountStore _store;
    private int _refreshes;

    public AccountCredentialsTests()
    {
        _home = SmtpTapHome.At(_temp.Combine("home"));
        _vault = new TokenVault(_home, new KdfCost(1024, 1, 1));
        _store = new AccountStore(_home);
        _store.Add(Account("work", "crm@contoso.com", UpstreamMechanism.Auto));
    }

    public void Dispose() => _temp.Dispose();

    private static AccountDefinition Account(string name, string user, UpstreamMechanism mechanism) => new()
    {
        Name = name,
        Provider = OAuthProvider.Generic,
        ClientId = "client",
        TokenEndpoint = "https://idp.example/token",
        Scopes = ["smtp"],
        Flow = OAuthFlow.Device,
        User = user,
        Mechanism = mechanism,
    };

    private AccountCredentials Credentials(Func<Task>? duringRefresh = null, Exception? fail = null) =>
        new(_store, _vault, async (account, current, cancellationToken) =>
        {
            var n = Interlocked.Increment(ref _refreshes);
            if (duringRefresh is not null)
            {
                await duringRefresh();
            }

            if (fail is not null)
            {
                throw fail;
            }

            Assert.Equal("rt-1", current.RefreshToken);
            return new TokenSet { AccessToken = "at-refreshed-" + n, AccessTokenExpiresUtc = s_now.AddHours(1) };
        }, new FixedTime(s_now));

    private void Store(DateTimeOffset expires) =>
        _vault.Save("work", AppPassword, new TokenSet { AccessToken = "at-0", AccessTokenExpiresUtc = expires, RefreshToken = "rt-1" });

    [Fact]
    public async Task UserWithoutAccount_Null_RelayUnchanged()
    {
        var result = await Credentials().GetAsync("someone@else.example", "whatever", ["PLAIN", "XOAUTH2"], CancellationToken.None);

        Assert.Null(result);
    }

    [Fact]
    public async Task ValidToken_XOAuth2FromTheStore_NoRefresh()
    {
        Store(s_now.AddHours(1));

        var result = await Credentials().GetAsync("CRM@contoso.com", AppPassword, ["PLAIN", "LOGIN", "XOAUTH2"], CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal("XOAUTH2", result.Mechanism);
        Assert.Equal("user=crm@contoso.com\u0001auth=Bearer at-0\u0001\u0001", Encoding.UTF8.GetString(result.InitialResponse));
        Assert.Equal(TokenSource.Cache, result.Source);
        Assert.Equal(0, _refreshes);
        Assert.DoesNotContain("at-0", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenExpiringWithinTheMargin_RefreshedAheadAndStored()
    {
        Store(s_now.AddMinutes(2));

        var result = await Credentials().GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None);

        Assert.Equal(1, _refreshes);
        Assert.Equal(TokenSource.Refreshed, result!.Source);
        Assert.Equal(s_now.AddHours(1), result.AccessTokenExpiresUtc);
        var stored = _vault.Load("work", AppPassword);
        Assert.Equal("at-refreshed-1", stored.AccessToken);
        Assert.Equal("rt-1", stored.RefreshToken);
    }

    [Fact]
    public async Task FiftyConcurrentSessions_OneExpiredToken_ExactlyOneRefresh()
    {
        Store(s_now.AddMinutes(-1));
        var release = new TaskCompletionSource();
        var credentials = Credentials(() => release.Task);

        var sessions = Enumerable.Range(0, 50).Select(_ => Task.Run(() => credentials.GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None))).ToArray();
        await Task.Delay(200);
        release.SetResult();
        var results = await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, _refreshes);
        Assert.All(results, r => Assert.Equal("user=crm@contoso.com\u0001auth=Bearer at-refreshed-1\u0001\u0001", Encoding.UTF8.GetString(r!.InitialResponse)));
        Assert.Single(results, r => r!.Source == TokenSource.Refreshed);
    }

    [Fact]
    public async Task WrongAppPassword_RefusedLocally_NoRefresh_AlsoAfterARightOne()
    {
        Store(s_now.AddMinutes(-1));
        var credentials = Credentials();

        await Assert.ThrowsAsync<WrongAppPasswordException>(() => credentials.GetAsync("crm@contoso.com", "wrong-password", ["XOAUTH2"], CancellationToken.None));
        Assert.Equal(0, _refreshes);
        await credentials.GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None);
        await Assert.ThrowsAsync<WrongAppPasswordException>(() => credentials.GetAsync("crm@contoso.com", "wrong-password", ["XOAUTH2"], CancellationToken.None));
        Assert.Equal(1, _refreshes);
    }

    [Fact]
    public async Task AppPasswordChangedByALaterLogin_TheOldOneStopsWorkingAtOnce_TheNewOneWorks()
    {
        Store(s_now.AddHours(1));
        var credentials = Credentials();
        Assert.NotNull(await credentials.GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None));

        // Another process ('smtptap account login work' with a new app password) rewrites the token file.
        _vault.Save("work", "a-brand-new-app-password", new TokenSet { AccessToken = "at-new", AccessTokenExpiresUtc = s_now.AddHours(1) });
        File.SetLastWriteTimeUtc(_vault.Home.TokenFile("work"), DateTime.UtcNow.AddSeconds(5));

        await Assert.ThrowsAsync<WrongAppPasswordException>(() => credentials.GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None));
        var result = await credentials.GetAsync("crm@contoso.com", "a-brand-new-app-password", ["XOAUTH2"], CancellationToken.None);
        Assert.Contains("at-new", Encoding.UTF8.GetString(result!.InitialResponse), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshFailure_PropagatesAndTheNextSessionTriesAgain()
    {
        Store(s_now.AddMinutes(-1));
        var failing = Credentials(fail: new OAuthException("refresh refused by the identity provider: invalid_grant"));

        var ex = await Assert.ThrowsAsync<OAuthException>(() => failing.GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None));
        await Assert.ThrowsAsync<OAuthException>(() => failing.GetAsync("crm@contoso.com", AppPassword, ["XOAUTH2"], CancellationToken.None));

        Assert.Contains("invalid_grant", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, _refreshes);
    }

    [Fact]
    public async Task ServerOffersOnlyOAuthBearer_Rfc7628InitialResponse()
    {
        _store.Add(Account("odd", "a=b,c@contoso.com", UpstreamMechanism.Auto));
        _vault.Save("odd", AppPassword, new TokenSet { AccessToken = "at-0", AccessTokenExpiresUtc = s_now.AddHours(1) });

        var result = await Credentials().GetAsync("a=b,c@contoso.com", AppPassword, ["PLAIN", "OAUTHBEARER"], CancellationToken.None);

        Assert.Equal("OAUTHBEARER", result!.Mechanism);
        Assert.Equal("n,a=a=3Db=2Cc@contoso.com,\u0001auth=Bearer at-0\u0001\u0001", Encoding.UTF8.GetString(result.InitialResponse));
    }

    [Theory]
    [InlineData("auto", new[] { "XOAUTH2", "OAUTHBEARER" }, "XOAUTH2")]
    [InlineData("auto", new[] { "oauthbearer" }, "OAUTHBEARER")]
    [InlineData("oauthbearer", new[] { "XOAUTH2", "OAUTHBEARER" }, "OAUTHBEARER")]
    [InlineData("xoauth2", new string[0], "XOAUTH2")]
    public void ChooseMechanism(string configured, string[] offered, string expected)
    {
        var mechanism = configured switch
        {
            "xoauth2" => UpstreamMechanism.XOAuth2,
            "oauthbearer" => UpstreamMechanism.OAuthBearer,
            _ => UpstreamMechanism.Auto,
        };

        Assert.Equal(expected, AccountCredentials.ChooseMechanism(Account("work", "crm@contoso.com", mechanism), offered));
    }

    [Fact]
    public void ChooseMechanism_NeitherOffered_ClearError()
    {
        var ex = Assert.Throws<OAuthException>(() => AccountCredentials.ChooseMechanism(Account("work", "crm@contoso.com", UpstreamMechanism.Auto), ["PLAIN", "LOGIN"]));

        Assert.Equal("the server offers neither XOAUTH2 nor OAUTHBEARER for account 'work' (it offers: PLAIN LOGIN)", ex.Message);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
