using System.Globalization;
using System.Security.Cryptography;
using SmtpTap.Core.Auth;
using SmtpTap.OAuth;

namespace SmtpTap.Bridge;

/// <summary>
/// <see cref="IAuthBridge"/> over the accounts of the SmtpTap home (<c>smtptap proxy --oauth2</c>): the relay's question
/// ("credentials for this client user?") answered by <see cref="AccountCredentials"/>, with each failure named by its
/// step and the command that fixes it. The relay never sees an account, a token store or an OAuth2 type.
/// </summary>
internal sealed class AccountAuthBridge(AccountStore accounts, TokenVault vault, AccountCredentials credentials) : IAuthBridge
{
    public const string MechanismStep = "choosing the upstream mechanism";
    public const string TokenStoreStep = "opening the token store";
    public const string TokenStep = "getting an access token from the identity provider";
    public const string PasswordStep = "opening the stored server password";

    public AccountStore Accounts => accounts;

    public TokenVault Vault => vault;

    public AccountCredentials Credentials => credentials;

    /// <summary>The production bridge: the home's accounts, its token vault, refreshes over <paramref name="http"/>.</summary>
    public static AccountAuthBridge Create(SmtpTapHome home, HttpClient http, Func<string, string?> getEnvironment, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(home);
        var store = new AccountStore(home);
        var vault = new TokenVault(home);
        return new AccountAuthBridge(store, vault, new AccountCredentials(store, vault, AccountCredentials.HttpRefresher(http, getEnvironment, time), time));
    }

    public async Task<BridgeDecision> TryBridgeAsync(string user, string password, IReadOnlyList<string> serverMechanisms, CancellationToken cancellationToken)
    {
        AccountDefinition? account;
        try
        {
            account = accounts.List().FirstOrDefault(a => string.Equals(a.User, user, StringComparison.OrdinalIgnoreCase));
        }
        catch (OAuthException ex)
        {
            return BridgeDecision.Failed("(accounts)", "reading the account definitions", ex.Message, "smtptap account list");
        }

        if (account is null)
        {
            return BridgeDecision.NotBridged;
        }

        return await DecideAsync(account, password, serverMechanisms, cancellationToken);
    }

    /// <summary>
    /// The upstream credentials of <paramref name="account"/> opened with <paramref name="appPassword"/> (the client's
    /// password for the bridge; the one given at start for --inject-auth), each failure named by its step and fix.
    /// </summary>
    public async Task<BridgeDecision> DecideAsync(AccountDefinition account, string appPassword, IReadOnlyList<string> serverMechanisms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var login = "smtptap account login " + account.Name;
        try
        {
            AccountCredentials.ChooseMechanism(account, serverMechanisms);
        }
        catch (OAuthException ex)
        {
            return BridgeDecision.Failed(account.Name, MechanismStep, ex.Message, account.HoldsPassword
                ? "point --upstream at a server that offers PLAIN, LOGIN or CRAM-MD5 after EHLO (or change the account's --mechanism)"
                : "point --upstream at the account's submission server (it must offer XOAUTH2 or OAUTHBEARER after EHLO)");
        }

        if (!vault.Exists(account.Name))
        {
            return BridgeDecision.Failed(account.Name, TokenStoreStep, account.HoldsPassword ? $"account '{account.Name}' has no stored password yet" : $"account '{account.Name}' has no tokens yet", login);
        }

        UpstreamAuthentication upstream;
        try
        {
            upstream = await credentials.GetForAccountAsync(account, appPassword, serverMechanisms, cancellationToken);
        }
        catch (WrongAppPasswordException)
        {
            return BridgeDecision.WrongPassword(account.Name);
        }
        catch (OAuthException ex)
        {
            // The next session reads the token store again: a new "account login" while the tap runs is picked up.
            credentials.Forget(account.Name);
            return BridgeDecision.Failed(account.Name, account.HoldsPassword ? PasswordStep : TokenStep, ex.Message, login);
        }

        if (upstream.Password is { } serverPassword)
        {
            return BridgeDecision.BridgedWithPassword(upstream.Account, upstream.Mechanism, upstream.User, serverPassword);
        }

        try
        {
            var note = string.Create(
                CultureInfo.InvariantCulture,
                $"{(upstream.Source == TokenSource.Cache ? "from cache" : "refreshed")}, expires {upstream.AccessTokenExpiresUtc.UtcDateTime:HH:mm:ss}Z");
            return BridgeDecision.Bridged(upstream.Account, upstream.Mechanism, Convert.ToBase64String(upstream.InitialResponse), note, upstream.User);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(upstream.InitialResponse);
        }
    }
}
