using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// SCRAM-SHA-* and -PLUS (RFC 5802, RFC 7677). Messages are recognised by content: client-first starts with
/// a gs2 header, client-final with <c>c=</c>; server-first with <c>r=</c>, server-final with <c>v=</c> or
/// <c>e=</c>. Shown: gs2 flag, authzid, user, nonces, salt, iteration count, <c>e=</c>. Masked: the proof
/// <c>p=</c>, the server signature <c>v=</c>, channel-binding data and unknown attributes.
/// </summary>
internal sealed class ScramDescriber(string mechanism, SaslMaskOptions options) : SaslDescriber(mechanism, options)
{
    private const int MaxAttributes = 16;

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse)
    {
        var sb = new StringBuilder();
        var ok = payload.StartsWith("c="u8) ? TryDescribeClientFinal(sb, payload) : TryDescribeClientFirst(sb, payload);
        return ok ? $"{P} [{sb}]" : MalformedClient();
    }

    protected override string DescribeServerPayload(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload)
    {
        if (payload.StartsWith("v="u8))
        {
            return $"{P} [server-final: v={P}]";
        }

        if (payload.StartsWith("e="u8))
        {
            var error = payload[2..];
            var comma = error.IndexOf((byte)',');
            error = comma < 0 ? error : error[..comma];
            return $"{SaslText.Echo(raw)} [server-final: e={SaslText.Field(error, 64)} — {ScramErrors.Explain(error)}]";
        }

        if (payload.StartsWith("r="u8))
        {
            var sb = new StringBuilder("server-first: ");
            var start = sb.Length;
            return TryAppendAttributes(sb, start, payload, allowed: "rsi") ? $"{SaslText.Echo(raw)} [{sb}]" : $"{P} [malformed {Mechanism} challenge, masked]";
        }

        return $"{P} [unrecognised {Mechanism} challenge, masked]";
    }

    /// <summary>gs2-cbind-flag "," [authzid] "," [reserved-mext ","] username "," nonce ["," extensions].</summary>
    private bool TryDescribeClientFirst(StringBuilder sb, ReadOnlySpan<byte> payload)
    {
        var first = payload.IndexOf((byte)',');
        if (first < 0)
        {
            return false;
        }

        var afterFlag = payload[(first + 1)..];
        var second = afterFlag.IndexOf((byte)',');
        if (second < 0)
        {
            return false;
        }

        var authzid = afterFlag[..second];
        if (authzid.Length > 0 && !authzid.StartsWith("a="u8))
        {
            return false;
        }

        sb.Append("client-first: gs2=").Append(Gs2.DescribeFlag(payload[..first]));
        sb.Append(", authzid=").Append(authzid.Length == 0 ? string.Empty : Gs2.Identity(authzid[2..], Options)).Append(", ");
        return TryAppendAttributes(sb, sb.Length, afterFlag[(second + 1)..], allowed: "nr");
    }

    /// <summary>channel-binding "," nonce ["," extensions] "," proof.</summary>
    private bool TryDescribeClientFinal(StringBuilder sb, ReadOnlySpan<byte> payload)
    {
        sb.Append("client-final: ");
        return TryAppendAttributes(sb, sb.Length, payload, allowed: "crp");
    }

    private bool TryAppendAttributes(StringBuilder sb, int start, ReadOnlySpan<byte> attributes, string allowed)
    {
        var count = 0;
        foreach (var range in attributes.Split((byte)','))
        {
            var attribute = attributes[range];
            if (attribute.Length < 2 || attribute[1] != (byte)'=' || !char.IsAsciiLetter((char)attribute[0]))
            {
                return false;
            }

            if (++count > MaxAttributes)
            {
                sb.Append(", …");
                break;
            }

            if (sb.Length > start)
            {
                sb.Append(", ");
            }

            var name = (char)attribute[0];
            var value = attribute[2..];
            AppendAttribute(sb, allowed.Contains(name, StringComparison.Ordinal) ? name : '\0', (char)attribute[0], value);
        }

        return count > 0;
    }

    private void AppendAttribute(StringBuilder sb, char known, char name, ReadOnlySpan<byte> value)
    {
        switch (known)
        {
            case 'n':
                sb.Append("user=").Append(Gs2.Identity(value, Options));
                break;
            case 'r':
                sb.Append("nonce=").Append(SaslText.Field(value, 128));
                break;
            case 's':
                sb.Append("salt=").Append(SaslText.Field(value, 128));
                break;
            case 'i':
                sb.Append("iterations=").Append(SaslText.Field(value, 16));
                break;
            case 'p':
                sb.Append("p=").Append(P);
                break;
            case 'c':
                sb.Append("channel binding=").Append(DescribeChannelBinding(value));
                break;
            default:
                sb.Append(name).Append('=').Append(P);
                break;
        }
    }

    /// <summary>c= is base64(gs2-header [cbind-data]); the binding data itself is never shown.</summary>
    private string DescribeChannelBinding(ReadOnlySpan<byte> value)
    {
        if (!StrictBase64.TryDecode(value, out var decoded))
        {
            return $"{P} (not valid base64)";
        }

        try
        {
            return DescribeGs2Header(decoded);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(decoded);
        }
    }

    private string DescribeGs2Header(ReadOnlySpan<byte> header)
    {
        var first = header.IndexOf((byte)',');
        var second = first < 0 ? -1 : header[(first + 1)..].IndexOf((byte)',');
        if (second < 0)
        {
            return $"{P} (malformed gs2 header)";
        }

        var flag = header[..first];
        var authzid = header.Slice(first + 1, second);
        var data = header[(first + second + 2)..];
        var text = new StringBuilder(Gs2.DescribeFlag(flag));
        if (authzid.StartsWith("a="u8))
        {
            text.Append(", authzid=").Append(Gs2.Identity(authzid[2..], Options));
        }

        if (data.Length > 0)
        {
            text.Append(", binding data=").Append(P);
        }

        return text.ToString();
    }
}
