using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// XOAUTH2 (Google): <c>user=U ^A auth=Bearer TOKEN ^A ^A</c>. On failure the server sends a base64 JSON
/// error as a 334 challenge, the client answers with an empty line and the server ends with 535.
/// </summary>
internal sealed class XOAuth2Describer(SaslMaskOptions options) : BearerDescriber("XOAUTH2", options)
{
    private static readonly string[] s_identities = ["user"];

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse)
    {
        var sb = new StringBuilder();
        return BearerTokenText.TryAppendPairs(sb, payload, Options, [], s_identities)
            ? $"{P} [{sb}]"
            : MalformedClient();
    }
}
