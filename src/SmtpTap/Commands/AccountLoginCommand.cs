using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap account login NAME</c>: runs the account's flow (browser, device or client-credentials), then asks the
/// app password and stores the tokens encrypted with it. For a <c>password</c> account it asks the server password
/// (no echo, or <c>--password-env VAR</c>) instead of running a flow. Prints no token, code, verifier or secret.
/// </summary>
internal static class AccountLoginCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var noBrowser = new Option<bool>("--no-browser") { Description = "Only print the sign-in URL (browser flow); do not try to open a browser" };
        var appPasswordEnv = AccountCommand.AppPasswordEnvOption();
        var serverPasswordEnv = new Option<string?>("--password-env") { Description = "password accounts: read the server password from this environment variable instead of prompting", HelpName = "VAR" };
        var command = new Command("login", "Sign in with the account's flow (or, for a password account, take the server password) and store the result, encrypted with the app password");
        command.Arguments.Add(name);
        command.Options.Add(noBrowser);
        command.Options.Add(appPasswordEnv);
        command.Options.Add(serverPasswordEnv);
        command.SetAction((parseResult, cancellationToken) => AccountCommand.RunAsync(parseResult, async output =>
        {
            var home = context.Home();
            var account = new AccountStore(home).Get(parseResult.GetValue(name)!);
            var passwordEnv = parseResult.GetValue(appPasswordEnv);
            if (account.HoldsPassword)
            {
                return StorePassword(context, home, account, parseResult.GetValue(serverPasswordEnv), passwordEnv, output, parseResult.InvocationConfiguration.Error);
            }

            if (parseResult.GetValue(serverPasswordEnv) is not null)
            {
                throw new OAuthException($"--password-env is for password accounts; account '{account.Name}' signs in with OAuth2");
            }

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

    /// <summary>A password account: the server password, then the app password; stored encrypted like tokens.</summary>
    private static int StorePassword(AccountContext context, SmtpTapHome home, AccountDefinition account, string? serverPasswordEnv, string? appPasswordEnv, TextWriter output, TextWriter messages)
    {
        string serverPassword;
        if (serverPasswordEnv is not null)
        {
            serverPassword = context.Input.GetEnvironment(serverPasswordEnv) is { Length: > 0 } value
                ? value
                : throw new OAuthException($"environment variable {serverPasswordEnv} (--password-env) is not set");
        }
        else
        {
            AppPasswordReader.CheckAvailable(context.Input, appPasswordEnv);
            if (!context.Input.CanPrompt)
            {
                throw new OAuthException("no terminal to ask the server password; use --password-env VAR");
            }

            serverPassword = context.Input.PromptWithoutEcho($"Server password of {account.User} (what the mail server expects; stored encrypted): ") ?? "";
            if (serverPassword.Length == 0)
            {
                throw new OAuthException("no server password given; nothing was stored");
            }
        }

        AppPasswordReader.CheckAvailable(context.Input, appPasswordEnv);
        if (appPasswordEnv is null)
        {
            messages.WriteLine("Now the app password: what your app will send to SmtpTap (not the server password).");
        }

        var appPassword = AppPasswordReader.ReadNew(context.Input, appPasswordEnv, account.Name, messages);
        if (string.Equals(appPassword, serverPassword, StringComparison.Ordinal))
        {
            throw new OAuthException("the app password must differ from the server password (the app password only unlocks the stored one); nothing was stored");
        }

        using var loginLock = LoginLock.Acquire(home, account.Name);
        new TokenVault(home, context.KdfCost).Save(account.Name, appPassword, new TokenSet { ServerPassword = serverPassword });
        output.WriteLine($"Server password of {account.User} stored encrypted with the app password in {home.TokenFile(account.Name)}.");
        output.WriteLine($"Check it: smtptap account test {account.Name} --server smtp://HOST:587");
        return ExitCodes.Ok;
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
