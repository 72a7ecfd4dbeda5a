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
}

/// <summary>
/// One account as stored in <c>accounts.json</c>: where to get tokens and for which mailbox. Holds no secret:
/// the client secret is named by the environment variable that holds it.
/// </summary>
internal sealed record AccountDefinition
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
