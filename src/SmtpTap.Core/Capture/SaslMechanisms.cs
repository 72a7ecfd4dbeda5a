namespace SmtpTap.Core.Capture;

/// <summary>Starts server-side SASL exchanges by mechanism name.</summary>
internal static class SaslMechanisms
{
    private static readonly string[] s_supported = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "NTLM"];

    public static bool IsSupported(string mechanism) => s_supported.Contains(mechanism, StringComparer.OrdinalIgnoreCase);

    /// <summary>Begins <paramref name="mechanism"/> (upper case), with the decoded initial response if the client sent one.</summary>
    public static SaslStep? Begin(string mechanism, byte[]? initialResponse, SaslContext context) => mechanism switch
    {
        "PLAIN" => PlainExchange.Begin(initialResponse, context),
        "LOGIN" => LoginExchange.Begin(initialResponse, context),
        "CRAM-MD5" => CramMd5Exchange.Begin(initialResponse, context),
        "XOAUTH2" => XOAuth2Exchange.Begin(initialResponse, context),
        "NTLM" => NtlmExchange.Begin(initialResponse, context),
        _ => null,
    };
}
