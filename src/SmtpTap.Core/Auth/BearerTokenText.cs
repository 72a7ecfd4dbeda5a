using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// Shared pieces of XOAUTH2 and OAUTHBEARER: the ^A-separated key=value list (token masked, unknown values
/// masked) and the JSON error challenge.
/// </summary>
internal static class BearerTokenText
{
    /// <summary>Most key/value pairs listed; the rest are summarised.</summary>
    public const int MaxPairs = 16;

    /// <summary>
    /// Appends <c>, key=value</c> for each pair in <paramref name="pairs"/> (separated by ^A). Keys in
    /// <paramref name="shown"/> are shown (identities masked per options), <c>auth</c> becomes
    /// <c>token=********</c>, anything else <c>key=********</c>. Returns false if a pair has no "=".
    /// </summary>
    public static bool TryAppendPairs(StringBuilder sb, ReadOnlySpan<byte> pairs, SaslMaskOptions options, string[] shown, string[] identities)
    {
        var count = 0;
        foreach (var range in pairs.Split((byte)0x01))
        {
            var pair = pairs[range];
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf((byte)'=');
            if (eq <= 0)
            {
                return false;
            }

            if (++count > MaxPairs)
            {
                sb.Append(", …");
                break;
            }

            var key = pair[..eq];
            var value = pair[(eq + 1)..];
            if ((Contains(identities, key) || Contains(shown, key)) && !IsPlainValue(value))
            {
                // A shown field holding a space, a control byte or another "=" means wrong separators: the token
                // could be inside it ("user=u@x auth=Bearer TOKEN"), so the whole payload counts as malformed.
                return false;
            }

            sb.Append(sb.Length > 0 ? ", " : string.Empty);
            if (SaslText.EqualsIgnoreCase(key, "auth"))
            {
                sb.Append(StartsWithBearer(value) ? "token=" : "auth=").Append(SaslMask.Placeholder);
            }
            else if (Contains(identities, key))
            {
                sb.Append(SaslText.Ascii(key)).Append('=').Append(SaslText.Identity(value, options));
            }
            else if (Contains(shown, key))
            {
                sb.Append(SaslText.Ascii(key)).Append('=').Append(SaslText.Field(value));
            }
            else
            {
                sb.Append(SaslText.Field(key, 32)).Append('=').Append(SaslMask.Placeholder);
            }
        }

        return count > 0;
    }

    /// <summary>True if the decoded challenge looks like a JSON error object.</summary>
    public static bool IsJson(ReadOnlySpan<byte> payload)
    {
        var trimmed = payload.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'{';
    }

    /// <summary><c>raw [error JSON: {...}]</c>.</summary>
    public static string DescribeError(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload) =>
        $"{SaslText.Echo(raw)} [error: {SaslText.Field(payload, SaslText.MaxEchoChars)}]";

    private static bool IsPlainValue(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b <= 0x20 || b == 0x7F || b == (byte)'=')
            {
                return false;
            }
        }

        return true;
    }

    private static bool StartsWithBearer(ReadOnlySpan<byte> value) =>
        value.Length >= 7 && SaslText.EqualsIgnoreCase(value[..7], "Bearer ");

    private static bool Contains(string[] keys, ReadOnlySpan<byte> key)
    {
        foreach (var candidate in keys)
        {
            if (SaslText.EqualsIgnoreCase(key, candidate))
            {
                return true;
            }
        }

        return false;
    }
}
