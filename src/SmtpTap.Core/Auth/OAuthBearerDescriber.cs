using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// OAUTHBEARER (RFC 7628): <c>gs2-header ^A host=H ^A port=P ^A auth=Bearer TOKEN ^A ^A</c>. On failure the
/// server sends a base64 JSON error and the client answers with a single ^A.
/// </summary>
internal sealed class OAuthBearerDescriber(SaslMaskOptions options) : BearerDescriber("OAUTHBEARER", options)
{
    private static readonly string[] s_shown = ["host", "port"];

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse)
    {
        if (payload.Length == 1 && payload[0] == 0x01)
        {
            return ErrorChallengeSeen
                ? "AQ== [^A: client acknowledges the error challenge]"
                : "AQ== [^A: client aborts (the RFC 7628 answer to an error challenge)]";
        }

        var separator = payload.IndexOf((byte)0x01);
        if (separator < 0)
        {
            return MalformedClient();
        }

        var sb = new StringBuilder();
        if (!TryAppendGs2Header(sb, payload[..separator]) || !BearerTokenText.TryAppendPairs(sb, payload[(separator + 1)..], Options, s_shown, []))
        {
            return MalformedClient();
        }

        return $"{P} [{sb}]";
    }

    /// <summary>gs2-header = cb-flag "," [ "a=" saslname ] ",".</summary>
    private bool TryAppendGs2Header(StringBuilder sb, ReadOnlySpan<byte> header)
    {
        if (header.Length == 0 || header[^1] != (byte)',')
        {
            return false;
        }

        var comma = header.IndexOf((byte)',');
        var flag = header[..comma];
        var authzid = header[(comma + 1)..^1];
        if (authzid.Length > 0 && !authzid.StartsWith("a="u8))
        {
            return false;
        }

        sb.Append("gs2=").Append(Gs2.DescribeFlag(flag));
        sb.Append(", authzid=").Append(authzid.Length == 0 ? string.Empty : Gs2.Identity(authzid[2..], Options));
        return true;
    }
}
