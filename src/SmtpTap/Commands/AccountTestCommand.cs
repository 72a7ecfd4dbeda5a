using System.CommandLine;
using SmtpTap.Core.Hosting;
using SmtpTap.OAuth;
using SmtpTap.Probe;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap account test NAME --server URL</c>: opens the account with the app password (a fresh access token, refreshed
/// if needed, or the stored server password) and runs the probe's AUTH against the server, every step masked, ending with
/// the server's verdict explained. Exit 0 when the server answered 235; the probe's exit codes otherwise (3 connection,
/// 4 TLS, 5 certificate, 6 AUTH refused); 2 when the account cannot be opened (wrong app password, no tokens, refresh refused).
/// </summary>
internal static class AccountTestCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var server = new Option<string>("--server") { Description = "The account's submission server: smtp://host[:port] (STARTTLS when offered) or smtps://host[:port]", Required = true, HelpName = "URL" };
        var ca = new Option<string[]>("--ca") { Description = "Also trust this CA certificate (PEM or DER) for the server's certificate. Repeatable.", HelpName = "FILE" };
        var insecure = new Option<bool>("--insecure") { Description = "Go on after a certificate problem (it is still reported, and the exit code is 5)." };
        var allowPlainAuth = new Option<bool>("--allow-plain-auth") { Description = "Allow AUTH without TLS to a server that is not on this machine." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each step.", DefaultValueFactory = _ => 20, HelpName = "SECONDS" };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (the probe's) instead of the transcript and summary." };
        var appPasswordEnv = AccountCommand.AppPasswordEnvOption();
        var command = new Command("test", "Open the account with its app password and run a probe-style AUTH against its server (masked); exit 0 when the server accepts. " + ProbeExitCodes.HelpText);
        command.Arguments.Add(name);
        foreach (var option in new Option[] { server, ca, insecure, allowPlainAuth, timeout, json, appPasswordEnv })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) => AccountCommand.RunAsync(parseResult, async output =>
        {
            var options = ServerOptions(parseResult.GetValue(server)!, parseResult.GetValue(timeout)) with
            {
                TrustedCas = (parseResult.GetValue(ca) ?? []).Select(f => CertificateFileReader.ReadCertificate(f, "--ca")).ToArray(),
                Insecure = parseResult.GetValue(insecure),
                AllowPlainAuth = parseResult.GetValue(allowPlainAuth),
            };
            var home = context.Home();
            var store = new AccountStore(home);
            var account = store.Get(parseResult.GetValue(name)!);
            var vault = new TokenVault(home, context.KdfCost);
            if (!vault.Exists(account.Name))
            {
                throw new OAuthException($"account '{account.Name}' has {(account.HoldsPassword ? "no stored password" : "no tokens")} yet; run smtptap account login {account.Name}");
            }

            var appPassword = AppPasswordReader.ReadExisting(context.Input, parseResult.GetValue(appPasswordEnv), account.Name);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var credentials = new AccountCredentials(store, vault, AccountCredentials.HttpRefresher(http, context.Input.GetEnvironment, context.Time), context.Time);
            var upstream = await credentials.GetForAccountAsync(account, appPassword, account.HoldsPassword ? ["PLAIN", "LOGIN", "CRAM-MD5"] : ["XOAUTH2", "OAUTHBEARER"], cancellationToken);
            var secret = new ProbeSecret(upstream.Password ?? upstream.AccessToken ?? string.Empty);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(upstream.InitialResponse);
            var asJson = parseResult.GetValue(json);
            var notes = asJson ? parseResult.InvocationConfiguration.Error : output;
            await notes.WriteLineAsync(Opened(account, upstream));
            return await ProbeCommand.RunAsync(
                options with { Credentials = new ProbeCredentials(account.User, secret, null, Preference(account)) },
                asJson,
                output,
                parseResult.InvocationConfiguration.Error,
                context.Time,
                cancellationToken);
        }));
        return command;
    }

    /// <summary>The mechanisms the test tries, best first: the same choice the tap makes for this account.</summary>
    internal static IReadOnlyList<string> Preference(AccountDefinition account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.Mechanism switch
        {
            UpstreamMechanism.XOAuth2 => ["XOAUTH2"],
            UpstreamMechanism.OAuthBearer => ["OAUTHBEARER"],
            UpstreamMechanism.Plain => ["PLAIN"],
            UpstreamMechanism.Login => ["LOGIN"],
            UpstreamMechanism.CramMd5 => ["CRAM-MD5"],
            _ when account.HoldsPassword => ["PLAIN", "LOGIN", "CRAM-MD5"],
            _ => ["XOAUTH2", "OAUTHBEARER"],
        };
    }

    private static string Opened(AccountDefinition account, UpstreamAuthentication upstream) => account.HoldsPassword
        ? $"Account {account.Name} (password) for {account.User}: stored server password opened with the app password; trying {string.Join(", then ", Preference(account))}."
        : $"Account {account.Name} ({Names.Of(account.Provider)}) for {account.User}: access token {(upstream.Source == TokenSource.Cache ? "from the store" : "refreshed")}, valid until {upstream.AccessTokenExpiresUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)}; trying {string.Join(", then ", Preference(account))}.";

    private static ProbeOptions ServerOptions(string url, int timeout)
    {
        if (!EndpointUrl.TryParse(url, ["smtp", "smtps"], out var scheme, out var host, out var port, out var problem))
        {
            throw new UserInputException("--server: " + problem);
        }

        if (port == 0)
        {
            throw new UserInputException($"--server '{url}': port 0 is not a server port");
        }

        if (timeout is < 1 or > 3600)
        {
            throw new UserInputException("--timeout must be from 1 to 3600 seconds");
        }

        var implicitTls = scheme == "smtps";
        return new ProbeOptions
        {
            Host = host,
            Port = port ?? (implicitTls ? ProbeOptions.DefaultSmtpsPort : 587),
            ImplicitTls = implicitTls,
            Timeout = TimeSpan.FromSeconds(timeout),
            EhloName = ProbeOptionsBuilder.DefaultEhloName(),
        };
    }
}
