using System.Text.Json.Serialization;

namespace SmtpTap.Web;

/// <summary>The API's JSON (camelCase), generated at build time.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(SessionDetail))]
[JsonSerializable(typeof(SessionSummary))]
[JsonSerializable(typeof(TimelineLine))]
[JsonSerializable(typeof(LegCertificate))]
[JsonSerializable(typeof(RemovedSession))]
[JsonSerializable(typeof(ApiError))]
internal sealed partial class WebJsonContext : JsonSerializerContext;

/// <summary>The data of an SSE "removed" event: the session left the in-memory history.</summary>
internal sealed record RemovedSession(string Id);

/// <summary>An API error body.</summary>
internal sealed record ApiError(string Error);
