namespace SmtpTap.Core.Auth;

/// <summary>Creates the describer for one AUTH exchange. Mechanism names are case-insensitive.</summary>
internal static class SaslDescriberFactory
{
    public static ISaslDescriber Create(string mechanism, SaslMaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        ArgumentNullException.ThrowIfNull(options);
        var name = Normalize(mechanism);
        return name switch
        {
            "PLAIN" => new PlainDescriber(options),
            "LOGIN" => new LoginDescriber(options),
            "CRAM-MD5" => new CramMd5Describer(options),
            "XOAUTH2" => new XOAuth2Describer(options),
            "OAUTHBEARER" => new OAuthBearerDescriber(options),
            "DIGEST-MD5" => new DigestMd5Describer(options),
            "NTLM" => new NtlmDescriber(options),
            "GSSAPI" => OpaqueDescriber.Gssapi(options),
            "EXTERNAL" => new ExternalDescriber(options),
            _ when name.StartsWith("SCRAM-", StringComparison.Ordinal) => new ScramDescriber(name, options),
            _ => OpaqueDescriber.Unknown(name, options),
        };
    }

    /// <summary>
    /// Upper-cases a SASL mechanism name (RFC 4422: 1 to 20 of A-Z, 0-9, "-", "_"). Anything else becomes
    /// "(invalid)" so that client-chosen text cannot reach the transcript through the name.
    /// </summary>
    public static string Normalize(string mechanism)
    {
        if (mechanism.Length is 0 or > 20)
        {
            return "(invalid)";
        }

        foreach (var c in mechanism)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return "(invalid)";
            }
        }

        return mechanism.ToUpperInvariant();
    }
}
