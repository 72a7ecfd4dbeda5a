namespace SmtpTap.OAuth;

/// <summary>What <c>account add</c> gets from the command line, before presets fill the gaps.</summary>
internal sealed record AccountRequest
{
    public required string Name { get; init; }

    public required OAuthProvider Provider { get; init; }

    public required string ClientId { get; init; }

    public string? ClientSecretEnv { get; init; }

    public string? Tenant { get; init; }

    public string? AuthorizeEndpoint { get; init; }

    public string? TokenEndpoint { get; init; }

    public string? DeviceEndpoint { get; init; }

    public string? Issuer { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public OAuthFlow? Flow { get; init; }

    public required string User { get; init; }

    public UpstreamMechanism Mechanism { get; init; } = UpstreamMechanism.Auto;
}

/// <summary>
/// The <c>microsoft</c>, <c>google</c> and <c>generic</c> providers: endpoints and default scopes, and the checks
/// that a flow has what it needs. Errors are one line, naming the option to add or drop.
/// </summary>
internal static class ProviderPresets
{
    public const string MicrosoftSmtpScope = "https://outlook.office.com/SMTP.Send";
    public const string MicrosoftClientCredentialsScope = "https://outlook.office365.com/.default";
    public const string GoogleMailScope = "https://mail.google.com/";
    public const string GoogleAuthorizeEndpoint = "https://accounts.google.com/o/oauth2/v2/auth";
    public const string GoogleTokenEndpoint = "https://oauth2.googleapis.com/token";
    public const string GoogleDeviceEndpoint = "https://oauth2.googleapis.com/device/code";

    public static AccountDefinition Build(AccountRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        AccountStore.ValidateName(request.Name);
        if (string.IsNullOrWhiteSpace(request.ClientId))
        {
            throw new OAuthException("--client-id must not be empty");
        }

        if (!request.User.Contains('@', StringComparison.Ordinal) || request.User.Any(char.IsWhiteSpace))
        {
            throw new OAuthException($"--user '{request.User}' is not a mail address");
        }

        if (request.ClientSecretEnv is { } env && !IsEnvironmentName(env))
        {
            // Never echo the value: a user who got this wrong may have pasted the secret itself.
            throw new OAuthException("--client-secret-env takes the NAME of an environment variable (letters, digits, '_'), not its value");
        }

        if (request.Tenant is not null && request.Provider != OAuthProvider.Microsoft)
        {
            throw new OAuthException("--tenant is for --provider microsoft only");
        }

        var flow = request.Flow ?? OAuthFlow.Browser;
        if (flow == OAuthFlow.ClientCredentials && request.ClientSecretEnv is null)
        {
            throw new OAuthException("--flow client-credentials needs --client-secret-env VAR (the variable holding the client secret)");
        }

        return request.Provider switch
        {
            OAuthProvider.Microsoft => Microsoft(request, flow),
            OAuthProvider.Google => Google(request, flow),
            _ => Generic(request, flow),
        };
    }

    private static AccountDefinition Microsoft(AccountRequest request, OAuthFlow flow)
    {
        RejectEndpoints(request, "microsoft");
        var tenant = request.Tenant ?? "common";
        if (!IsTenant(tenant))
        {
            throw new OAuthException($"--tenant '{Shorten(tenant)}' is not a tenant id or domain");
        }

        if (flow == OAuthFlow.ClientCredentials && tenant is "common" or "organizations" or "consumers")
        {
            throw new OAuthException("--flow client-credentials with Microsoft needs --tenant (your tenant id or domain), not 'common'");
        }

        var root = $"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/";
        var scopes = request.Scopes.Count > 0 ? request.Scopes
            : flow == OAuthFlow.ClientCredentials ? [MicrosoftClientCredentialsScope] : [MicrosoftSmtpScope, "offline_access"];
        return Definition(request, flow, scopes) with
        {
            Tenant = tenant,
            AuthorizeEndpoint = root + "authorize",
            TokenEndpoint = root + "token",
            DeviceEndpoint = root + "devicecode",
        };
    }

    private static AccountDefinition Google(AccountRequest request, OAuthFlow flow)
    {
        RejectEndpoints(request, "google");
        if (flow == OAuthFlow.ClientCredentials)
        {
            throw new OAuthException("--flow client-credentials is not available with Google (it uses service-account keys); use --flow browser or device");
        }

        var scopes = request.Scopes.Count > 0 ? request.Scopes : [GoogleMailScope];
        if (flow == OAuthFlow.Device && scopes.Any(s => s.Split(' ').Contains(GoogleMailScope, StringComparer.Ordinal)))
        {
            // Google's device flow serves a short list of scopes, not Gmail's: login would end in invalid_scope.
            throw new OAuthException("--flow device cannot get Google's mail scope (https://mail.google.com/ is not allowed in Google's device flow); use --flow browser");
        }

        return Definition(request, flow, scopes) with
        {
            AuthorizeEndpoint = GoogleAuthorizeEndpoint,
            TokenEndpoint = GoogleTokenEndpoint,
            DeviceEndpoint = GoogleDeviceEndpoint,
        };
    }

    private static AccountDefinition Generic(AccountRequest request, OAuthFlow flow)
    {
        if (request.Issuer is null)
        {
            if (request.TokenEndpoint is null)
            {
                throw new OAuthException("--provider generic needs --token-endpoint URL (or --issuer URL for OpenID discovery)");
            }

            if (flow == OAuthFlow.Browser && request.AuthorizeEndpoint is null)
            {
                throw new OAuthException("--flow browser needs --authorize-endpoint URL (or --issuer URL, or another --flow)");
            }

            if (flow == OAuthFlow.Device && request.DeviceEndpoint is null)
            {
                throw new OAuthException("--flow device needs --device-endpoint URL (or --issuer URL, or another --flow)");
            }
        }
        else
        {
            CheckUrl("--issuer", request.Issuer);
        }

        CheckUrl("--authorize-endpoint", request.AuthorizeEndpoint);
        CheckUrl("--token-endpoint", request.TokenEndpoint);
        CheckUrl("--device-endpoint", request.DeviceEndpoint);
        if (request.Scopes.Count == 0)
        {
            throw new OAuthException("--provider generic needs at least one --scope");
        }

        return Definition(request, flow, request.Scopes) with
        {
            AuthorizeEndpoint = request.AuthorizeEndpoint,
            TokenEndpoint = request.TokenEndpoint,
            DeviceEndpoint = request.DeviceEndpoint,
            Issuer = request.Issuer,
        };
    }

    private static AccountDefinition Definition(AccountRequest request, OAuthFlow flow, IReadOnlyList<string> scopes) => new()
    {
        Name = request.Name,
        Provider = request.Provider,
        ClientId = request.ClientId,
        ClientSecretEnv = request.ClientSecretEnv,
        Scopes = scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal).ToList(),
        Flow = flow,
        User = request.User,
        Mechanism = request.Mechanism,
    };

    private static void RejectEndpoints(AccountRequest request, string provider)
    {
        if (request.AuthorizeEndpoint is not null || request.TokenEndpoint is not null || request.DeviceEndpoint is not null || request.Issuer is not null)
        {
            throw new OAuthException($"--provider {provider} sets its own endpoints; --authorize-endpoint, --token-endpoint, --device-endpoint and --issuer are for --provider generic");
        }
    }

    private static void CheckUrl(string option, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new OAuthException($"{option} '{Shorten(value)}' is not an http(s) URL");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new OAuthException($"{option} must use https (plain http is allowed on loopback only)");
        }
    }

    private static bool IsEnvironmentName(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(value[0]);

    private static bool IsTenant(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
