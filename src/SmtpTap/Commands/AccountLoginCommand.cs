using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap account login NAME</c>: runs the account's flow (browser, device or client-credentials), then asks the
/// app password and stores the tokens encrypted with it. Prints no token, code, verifier or secret.
/// </summary>
internal static class AccountLoginCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var noBrowser = new Option<bool>("--no-browser") { Description = "Only print the sign-in URL (browser flow); do not try to open a browser" };
        var appPasswordEnv = AccountCommand.AppPasswordEnvOption();
        var command = new Command("login", "Sign in with the account's flow and store its tokens, encrypted with the app password");
        command.Arguments.Add(name);
        command.Options.Add(noBrowser);
        command.Options.Add(appPasswordEnv);
        command.SetAction((parseResult, cancellationToken) => AccountCommand.RunAsync(parseResult, async output =>
        {
            var home = context.Home();
            var account = new AccountStore(home).Get(parseResult.GetValue(name)!);
            var passwordEnv = parseResult.GetValue(appPasswordEnv);
            var clientSecret = ClientSecret(context.Input, account);
            AppPasswordReader.CheckAvailable(context.Input, passwordEnv);

            using var loginLock = LoginLock.Acquire(home, account.Name);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var client = new OAuthClient(http, context.Time);
            var interaction = new LoginInteraction
            {
                Output = output,
                OpenBrowser = parseResult.GetValue(noBrowser) ? null : context.OpenBrowser,
            };
            var tokens = await client.LoginAsync(account, clientSecret, interaction, cancellationToken);
            output.WriteLine($"Signed in: access token for {account.User} valid until {Until(tokens)}{(tokens.RefreshToken is null ? ", no refresh token" : ", refresh token received")}.");
            output.Flush();

            var appPassword = AppPasswordReader.ReadNew(context.Input, passwordEnv, account.Name, parseResult.InvocationConfiguration.Error);
            var vault = new TokenVault(home, context.KdfCost);
            vault.Save(account.Name, appPassword, tokens);
            output.WriteLine($"Tokens stored encrypted with the app password in {home.TokenFile(account.Name)}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static string? ClientSecret(ProbeInput input, AccountDefinition account)
    {
        if (account.ClientSecretEnv is null)
        {
            return null;
        }

        var secret = input.GetEnvironment(account.ClientSecretEnv);
        return string.IsNullOrEmpty(secret)
            ? throw new OAuthException($"environment variable {account.ClientSecretEnv} (the client secret of account '{account.Name}') is not set")
            : secret;
    }

    internal static string Until(TokenSet tokens) =>
        tokens.AccessTokenExpiresUtc?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
}
