using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap account refresh NAME</c>: opens the token store with the app password and gets a new access token
/// with the stored refresh token (client-credentials accounts: a new grant). A wrong app password stops before any
/// request to the identity provider.
/// </summary>
internal static class AccountRefreshCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var appPasswordEnv = AccountCommand.AppPasswordEnvOption();
        var command = new Command("refresh", "Get a new access token with the stored refresh token (needs the app password)");
        command.Arguments.Add(name);
        command.Options.Add(appPasswordEnv);
        command.SetAction((parseResult, cancellationToken) => AccountCommand.RunAsync(parseResult, async output =>
        {
            var home = context.Home();
            var account = new AccountStore(home).Get(parseResult.GetValue(name)!);
            if (account.HoldsPassword)
            {
                throw new OAuthException($"account '{account.Name}' holds a server password, not OAuth2 tokens: nothing to refresh (smtptap account login {account.Name} replaces the password)");
            }

            var clientSecret = AccountLoginCommand.ClientSecret(context.Input, account);
            var vault = new TokenVault(home, context.KdfCost);
            var appPassword = AppPasswordReader.ReadExisting(context.Input, parseResult.GetValue(appPasswordEnv), account.Name);
            var current = vault.Load(account.Name, appPassword);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var refreshed = await new OAuthClient(http, context.Time).RefreshAsync(account, clientSecret, current, cancellationToken);
            vault.Save(account.Name, appPassword, refreshed);
            output.WriteLine($"Refreshed: access token for {account.User} valid until {AccountLoginCommand.Until(refreshed)}.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
