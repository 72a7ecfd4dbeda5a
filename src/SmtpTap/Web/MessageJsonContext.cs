using System.Text.Json.Serialization;

namespace SmtpTap.Web;

/// <summary>The message API's JSON (camelCase), generated at build time.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MessageDetail))]
[JsonSerializable(typeof(SessionMessageList))]
internal sealed partial class MessageJsonContext : JsonSerializerContext;
