using System.Text.Json.Serialization;

namespace SmtpTap.Metrics;

/// <summary>The body of <c>/healthz</c>.</summary>
internal sealed record HealthReport(string Status, string Detail);

[JsonSerializable(typeof(HealthReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
