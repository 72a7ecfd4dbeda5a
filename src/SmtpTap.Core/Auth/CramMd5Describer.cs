namespace SmtpTap.Core.Auth;

/// <summary>CRAM-MD5 (RFC 2195): challenge shown decoded; response <c>user SP hex-digest</c>, digest masked.</summary>
internal sealed class CramMd5Describer(SaslMaskOptions options) : SaslDescriber("CRAM-MD5", options)
{
    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse)
    {
        var space = payload.LastIndexOf((byte)' ');
        return space <= 0 ? MalformedClient() : $"{P} [user={Identity(payload[..space])}, digest={P}]";
    }
}
