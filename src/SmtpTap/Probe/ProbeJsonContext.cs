using System.Text.Json.Serialization;

namespace SmtpTap.Probe;

/// <summary>Source-generated System.Text.Json metadata for the probe's JSON document (no reflection).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ProbeJsonDocument))]
internal sealed partial class ProbeJsonContext : JsonSerializerContext
{
}
