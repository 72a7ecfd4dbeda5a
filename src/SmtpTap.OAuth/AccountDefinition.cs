using System.Text.Json.Serialization;

namespace SmtpTap.OAuth;

[JsonConverter(typeof(JsonStringEnumConverter<OAuthProvider>))]
internal enum OAuthProvider
{
    [JsonStringEnumMemberName("microsoft")]
    Microsoft,
    [JsonStringEnumMemberName("google")]
    Google,
    [JsonStringEnumMemberName("generic")]
    Generic,

    /// <summary>No OAuth2: the account holds the server's own password (encrypted), for mechanism translation and --inject-auth.</summary>
    [JsonStringEnumMemberName("password")]
    Password,
}

[JsonConverter(typeof(JsonStringEnumConverter<OAuthFlow>))]
internal enum OAuthFlow
{
    [JsonStringEnumMemberName("browser")]
    Browser,
    [JsonStringEnumMemberName("device")]
    Device,
    [JsonStringEnumMemberName("client-credentials")]
    ClientCredentials,
}

[JsonConverter(typeof(JsonStringEnumConverter<UpstreamMechanism>))]
internal enum UpstreamMechanism
{
    [JsonStringEnumMemberName("auto")]
    Auto,
    [JsonStringEnumMemberName("xoauth2")]
    XOAuth2,
    [JsonStringEnumMemberName("oauthbearer")]
    OAuthBearer,
    [JsonStringEnumMemberName("plain")]
    Plain,
    [JsonStringEnumMemberName("login")]
    Login,
    [JsonStringEnumMemberName("cram-md5")]
    CramMd5,
}

/// <summary>
/// One account as stored in <c>accounts.json</c>: where to get tokens and for which mailbox. Holds no secret:
/// the client secret is named by the environment variable that holds it, and a <c>password</c> account's server
/// password is in its encrypted store.
/// </summary>
internal sealed record AccountDefinition
{
    public required string Name { get; init; }

    public required OAuthProvider Provider { get; init; }

    /// <summary>The OAuth2 client id (empty for a <c>password</c> account).</summary>
    public string ClientId { get; init; } = string.Empty;

    /// <summary>True for a <c>password</c> account: the store holds the server password, not OAuth2 tokens.</summary>
    [JsonIgnore]
    public bool HoldsPassword => Provider == OAuthProvider.Password;

    public string? ClientSecretEnv { get; init; }

    public string? Tenant { get; init; }

    public string? AuthorizeEndpoint { get; init; }

    public string? TokenEndpoint { get; init; }

    public string? DeviceEndpoint { get; init; }

    public string? Issuer { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public required OAuthFlow Flow { get; init; }

    public required string User { get; init; }

    public UpstreamMechanism Mechanism { get; init; } = UpstreamMechanism.Auto;
}

internal sealed record AccountsFile
{
    public int Version { get; init; } = 1;

    public List<AccountDefinition> Accounts { get; init; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AccountsFile))]
[JsonSerializable(typeof(TokenEnvelope))]
[JsonSerializable(typeof(TokenPayload))]
internal sealed partial class OAuthJsonContext : JsonSerializerContext;
