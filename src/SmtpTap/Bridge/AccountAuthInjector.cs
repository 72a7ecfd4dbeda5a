using SmtpTap.Core.Auth;
using SmtpTap.OAuth;

namespace SmtpTap.Bridge;

/// <summary>
/// <see cref="IAuthInjector"/> for <c>smtptap proxy --inject-auth ACCOUNT</c>: the account's credentials opened with the
/// app password given at start (<c>--inject-auth-password-env</c>), through the same <see cref="AccountAuthBridge"/>
/// steps as the bridge (token cache, one refresh at a time, stored password).
/// </summary>
internal sealed class AccountAuthInjector : IAuthInjector
{
    private readonly AccountAuthBridge _bridge;
    private readonly AccountDefinition _account;
    private readonly string _appPassword;

    private AccountAuthInjector(AccountAuthBridge bridge, AccountDefinition account, string appPassword)
    {
        _bridge = bridge;
        _account = account;
        _appPassword = appPassword;
    }

    public string Account => _account.Name;

    public string User => _account.User;

    /// <summary>
    /// Finds the account and opens its store with the app password now, so a wrong password or an account without
    /// credentials stops the tap at start with one line rather than failing every session.
    /// </summary>
    public static AccountAuthInjector Open(AccountAuthBridge bridge, string accountName, string appPassword)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        var account = bridge.Accounts.Get(accountName);
        if (!bridge.Vault.Exists(account.Name))
        {
            throw new OAuthException($"account '{account.Name}' has {(account.HoldsPassword ? "no stored password" : "no tokens")} yet; run smtptap account login {account.Name}");
        }

        var stored = bridge.Credentials.Open(account, appPassword);
        if (account.HoldsPassword && stored.ServerPassword is null)
        {
            throw new OAuthException($"account '{account.Name}' has no stored server password; run smtptap account login {account.Name}");
        }

        return new AccountAuthInjector(bridge, account, appPassword);
    }

    public Task<BridgeDecision> GetAsync(IReadOnlyList<string> serverMechanisms, CancellationToken cancellationToken) =>
        _bridge.DecideAsync(_account, _appPassword, serverMechanisms, cancellationToken);

    public override string ToString() => $"AccountAuthInjector({_account.Name})";
}
