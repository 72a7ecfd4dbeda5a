namespace SmtpTap.Core.Auth;

/// <summary>PLAIN (RFC 4616): <c>[authzid] NUL authcid NUL passwd</c>. Anything but exactly two NULs is masked whole.</summary>
internal sealed class PlainDescriber(SaslMaskOptions options) : SaslDescriber("PLAIN", options)
{
    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse)
    {
        var first = payload.IndexOf((byte)0);
        if (first < 0)
        {
            return MalformedClient();
        }

        var rest = payload[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second < 0 || rest[(second + 1)..].Contains((byte)0))
        {
            return MalformedClient();
        }

        return $"{P} [authzid={Identity(payload[..first])}, user={Identity(rest[..second])}, password={P}]";
    }
}
