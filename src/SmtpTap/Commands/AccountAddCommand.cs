using System.CommandLine;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary><c>smtptap account add NAME --provider ... --client-id ... --user ...</c>: defines an account (no login yet).</summary>
internal static class AccountAddCommand
{
    public static Command Create(AccountContext context)
    {
        var name = AccountCommand.NameArgument();
        var provider = new Option<string>("--provider") { Description = "microsoft, google or generic", Required = true, HelpName = "microsoft|google|generic" };
        provider.AcceptOnlyFromAmong("microsoft", "google", "generic");
        var clientId = new Option<string>("--client-id") { Description = "The application (client) id registered with the identity provider", Required = true, HelpName = "ID" };
        var clientSecretEnv = new Option<string?>("--client-secret-env") { Description = "Environment variable holding the client secret (confidential clients; needed for client-credentials)", HelpName = "VAR" };
        var tenant = new Option<string?>("--tenant") { Description = "Microsoft tenant id or domain (default common)", HelpName = "ID" };
        var authorize = new Option<string?>("--authorize-endpoint") { Description = "generic: the authorization endpoint", HelpName = "URL" };
        var token = new Option<string?>("--token-endpoint") { Description = "generic: the token endpoint", HelpName = "URL" };
        var device = new Option<string?>("--device-endpoint") { Description = "generic: the device authorization endpoint", HelpName = "URL" };
        var issuer = new Option<string?>("--issuer") { Description = "generic: take the endpoints from OpenID discovery of this issuer at login", HelpName = "URL" };
        var scope = new Option<string[]>("--scope") { Description = "Scope to ask for (repeatable; microsoft and google have defaults)", HelpName = "S", Arity = ArgumentArity.ZeroOrMore };
        var flow = new Option<string>("--flow") { Description = "How login gets the first token (default browser)", DefaultValueFactory = _ => "browser", HelpName = "browser|device|client-credentials" };
        flow.AcceptOnlyFromAmong("browser", "device", "client-credentials");
        var user = new Option<string>("--user") { Description = "The mailbox address the tokens are for", Required = true, HelpName = "ADDRESS" };
        var mechanism = new Option<string>("--mechanism") { Description = "Upstream SASL mechanism (default auto: what the server offers)", DefaultValueFactory = _ => "auto", HelpName = "auto|xoauth2|oauthbearer" };
        mechanism.AcceptOnlyFromAmong("auto", "xoauth2", "oauthbearer");

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
                    _ => OAuthProvider.Generic,
                },
                ClientId = parseResult.GetValue(clientId)!,
                ClientSecretEnv = parseResult.GetValue(clientSecretEnv),
                Tenant = parseResult.GetValue(tenant),
                AuthorizeEndpoint = parseResult.GetValue(authorize),
                TokenEndpoint = parseResult.GetValue(token),
                DeviceEndpoint = parseResult.GetValue(device),
                Issuer = parseResult.GetValue(issuer),
                Scopes = parseResult.GetValue(scope) ?? [],
                Flow = parseResult.GetValue(flow) switch
                {
                    "device" => OAuthFlow.Device,
                    "client-credentials" => OAuthFlow.ClientCredentials,
                    _ => OAuthFlow.Browser,
                },
                User = parseResult.GetValue(user)!,
                Mechanism = parseResult.GetValue(mechanism) switch
                {
                    "xoauth2" => UpstreamMechanism.XOAuth2,
                    "oauthbearer" => UpstreamMechanism.OAuthBearer,
                    _ => UpstreamMechanism.Auto,
                },
            });
            var store = new AccountStore(context.Home());
            store.Add(definition);
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
        _ => "generic",
    };

    public static string Of(OAuthFlow flow) => flow switch
    {
        OAuthFlow.Device => "device",
        OAuthFlow.ClientCredentials => "client-credentials",
        _ => "browser",
    };
}
