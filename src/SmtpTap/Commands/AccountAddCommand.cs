using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap account add NAME --provider ... --client-id ... --user ...</c>: defines an account (no login yet);
/// <c>--provider password --user ...</c> defines one that will hold the server's own password.
/// </summary>
internal static class AccountAddCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var provider = new Option<string>("--provider") { Description = "microsoft, google or generic (OAuth2), or password (the server's own password, stored encrypted, for mechanism translation and --inject-auth)", Required = true, HelpName = "microsoft|google|generic|password" };
        provider.AcceptOnlyFromAmong("microsoft", "google", "generic", "password");
        var clientId = new Option<string?>("--client-id") { Description = "The application (client) id registered with the identity provider (OAuth2 providers)", HelpName = "ID" };
        var clientSecretEnv = new Option<string?>("--client-secret-env") { Description = "Environment variable holding the client secret (confidential clients; needed for client-credentials)", HelpName = "VAR" };
        var tenant = new Option<string?>("--tenant") { Description = "Microsoft tenant id or domain (default common)", HelpName = "ID" };
        var authorize = new Option<string?>("--authorize-endpoint") { Description = "generic: the authorization endpoint", HelpName = "URL" };
        var token = new Option<string?>("--token-endpoint") { Description = "generic: the token endpoint", HelpName = "URL" };
        var device = new Option<string?>("--device-endpoint") { Description = "generic: the device authorization endpoint", HelpName = "URL" };
        var issuer = new Option<string?>("--issuer") { Description = "generic: take the endpoints from OpenID discovery of this issuer at login", HelpName = "URL" };
        var scope = new Option<string[]>("--scope") { Description = "Scope to ask for (repeatable; microsoft and google have defaults)", HelpName = "S", Arity = ArgumentArity.ZeroOrMore };
        var flow = new Option<string?>("--flow") { Description = "How login gets the first token (default browser)", HelpName = "browser|device|client-credentials" };
        flow.AcceptOnlyFromAmong("browser", "device", "client-credentials");
        var user = new Option<string>("--user") { Description = "The mailbox address the tokens are for", Required = true, HelpName = "ADDRESS" };
        var mechanism = new Option<string>("--mechanism") { Description = "Upstream SASL mechanism (default auto: what the server offers; OAuth2 XOAUTH2 before OAUTHBEARER, password PLAIN before LOGIN before CRAM-MD5)", DefaultValueFactory = _ => "auto", HelpName = "auto|xoauth2|oauthbearer|plain|login|cram-md5" };
        mechanism.AcceptOnlyFromAmong("auto", "xoauth2", "oauthbearer", "plain", "login", "cram-md5");

        var command = new Command("add", "Define an OAuth2 account (endpoints and scopes from the provider preset); then run 'smtptap account login NAME'");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { provider, clientId, clientSecretEnv, tenant, authorize, token, device, issuer, scope, flow, user, mechanism })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, _) => AccountCommand.RunAsync(parseResult, output =>
        {
            var definition = ProviderPresets.Build(new AccountRequest
            {
                Name = parseResult.GetValue(name)!,
                Provider = parseResult.GetValue(provider) switch
                {
                    "microsoft" => OAuthProvider.Microsoft,
                    "google" => OAuthProvider.Google,
                    "password" => OAuthProvider.Password,
                    _ => OAuthProvider.Generic,
                },
                ClientId = parseResult.GetValue(clientId) ?? string.Empty,
                ClientSecretEnv = parseResult.GetValue(clientSecretEnv),
                Tenant = parseResult.GetValue(tenant),
                AuthorizeEndpoint = parseResult.GetValue(authorize),
                TokenEndpoint = parseResult.GetValue(token),
                DeviceEndpoint = parseResult.GetValue(device),
                Issuer = parseResult.GetValue(issuer),
                Scopes = parseResult.GetValue(scope) ?? [],
                Flow = parseResult.GetValue(flow) switch
                {
                    null => null,
                    "device" => OAuthFlow.Device,
                    "client-credentials" => OAuthFlow.ClientCredentials,
                    _ => OAuthFlow.Browser,
                },
                User = parseResult.GetValue(user)!,
                Mechanism = parseResult.GetValue(mechanism) switch
                {
                    "xoauth2" => UpstreamMechanism.XOAuth2,
                    "oauthbearer" => UpstreamMechanism.OAuthBearer,
                    "plain" => UpstreamMechanism.Plain,
                    "login" => UpstreamMechanism.Login,
                    "cram-md5" => UpstreamMechanism.CramMd5,
                    _ => UpstreamMechanism.Auto,
                },
            });
            var store = new AccountStore(context.Home());
            store.Add(definition);
            if (definition.HoldsPassword)
            {
                output.WriteLine($"Added account {definition.Name} (password, mechanism {Names.Of(definition.Mechanism)}) for {definition.User} in {store.Home.AccountsFile}.");
                output.WriteLine($"Next: smtptap account login {definition.Name} (asks the server password and the app password)");
                return Task.FromResult(ExitCodes.Ok);
            }

            output.WriteLine($"Added account {definition.Name} ({Names.Of(definition.Provider)}, {Names.Of(definition.Flow)} flow) for {definition.User} in {store.Home.AccountsFile}.");
            output.WriteLine($"Scopes: {string.Join(' ', definition.Scopes)}");
            output.WriteLine($"Next: smtptap account login {definition.Name}");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}

/// <summary>The command-line spelling of the account enums.</summary>
internal static class Names
{
    public static string Of(OAuthProvider provider) => provider switch
    {
        OAuthProvider.Microsoft => "microsoft",
        OAuthProvider.Google => "google",
        OAuthProvider.Password => "password",
        _ => "generic",
    };

    public static string Of(UpstreamMechanism mechanism) => mechanism switch
    {
        UpstreamMechanism.XOAuth2 => "xoauth2",
        UpstreamMechanism.OAuthBearer => "oauthbearer",
        UpstreamMechanism.Plain => "plain",
        UpstreamMechanism.Login => "login",
        UpstreamMechanism.CramMd5 => "cram-md5",
        _ => "auto",
    };

    public static string Of(OAuthFlow flow) => flow switch
    {
        OAuthFlow.Device => "device",
        OAuthFlow.ClientCredentials => "client-credentials",
        _ => "browser",
    };
}
