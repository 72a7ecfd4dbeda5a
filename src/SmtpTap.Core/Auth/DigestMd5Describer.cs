using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// DIGEST-MD5 (RFC 2831, historic). Challenge: realm, nonce, qop, charset, algorithm and the like shown.
/// Response: username, realm, nonces, nc, qop, digest-uri, authzid shown; <c>response=</c> masked.
/// Server final <c>rspauth=</c> masked. qop auth-int/auth-conf is flagged as a SASL security layer.
/// </summary>
internal sealed class DigestMd5Describer(SaslMaskOptions options) : SaslDescriber("DIGEST-MD5", options)
{
    private static readonly string[] s_identities = ["username", "realm", "authzid"];

    private static readonly string[] s_shown =
        ["nonce", "cnonce", "nc", "qop", "digest-uri", "charset", "algorithm", "maxbuf", "cipher", "stale"];

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse)
    {
        var directives = new List<DigestDirective>();
        return DigestDirectiveParser.TryParse(payload, directives)
            ? $"{P} [{Describe(payload, directives)}]"
            : MalformedClient();
    }

    protected override string DescribeServerPayload(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload)
    {
        var directives = new List<DigestDirective>();
        if (!DigestDirectiveParser.TryParse(payload, directives))
        {
            return $"{P} [malformed DIGEST-MD5 challenge, masked]";
        }

        var hasRspAuth = false;
        foreach (var directive in directives)
        {
            hasRspAuth |= SaslText.EqualsIgnoreCase(payload[directive.Name], "rspauth");
        }

        var echo = hasRspAuth ? P : EchoUnlessIdentityMasked(raw);
        return $"{echo} [{Describe(payload, directives)}]";
    }

    private string Describe(ReadOnlySpan<byte> payload, List<DigestDirective> directives)
    {
        var sb = new StringBuilder();
        string? securityLayer = null;
        foreach (var directive in directives)
        {
            var name = payload[directive.Name];
            var value = payload[directive.Value];
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(SaslText.Field(name, 32)).Append('=');
            if (Contains(s_identities, name))
            {
                AppendValue(sb, SaslText.Identity(value, Options), directive.Quoted && !Options.MaskUsernames);
            }
            else if (Contains(s_shown, name))
            {
                AppendValue(sb, SaslText.Field(value, 128), directive.Quoted);
                if (SaslText.EqualsIgnoreCase(name, "qop"))
                {
                    securityLayer ??= DescribeSecurityLayer(value);
                }
            }
            else
            {
                sb.Append(P);
            }
        }

        if (securityLayer is not null)
        {
            sb.Append("; ").Append(securityLayer);
        }

        return sb.ToString();
    }

    private static string? DescribeSecurityLayer(ReadOnlySpan<byte> qop)
    {
        var conf = qop.IndexOf("auth-conf"u8) >= 0;
        var integrity = qop.IndexOf("auth-int"u8) >= 0;
        if (!conf && !integrity)
        {
            return null;
        }

        var kind = conf ? "auth-conf (integrity and confidentiality)" : "auth-int (integrity)";
        return $"SASL security layer {kind}: if chosen, everything after 235 is wrapped SASL data, not SMTP commands";
    }

    private static void AppendValue(StringBuilder sb, string value, bool quoted)
    {
        if (quoted)
        {
            sb.Append('"').Append(value).Append('"');
        }
        else
        {
            sb.Append(value);
        }
    }

    private static bool Contains(string[] names, ReadOnlySpan<byte> name)
    {
        foreach (var candidate in names)
        {
            if (SaslText.EqualsIgnoreCase(name, candidate))
            {
                return true;
            }
        }

        return false;
    }
}
