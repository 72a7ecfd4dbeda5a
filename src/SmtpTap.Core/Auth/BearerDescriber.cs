namespace SmtpTap.Core.Auth;

/// <summary>
/// What XOAUTH2 and OAUTHBEARER share: on failure the server sends a base64 JSON error as a 334 challenge,
/// which is decoded for the reader, and the client's empty (or ^A) answer is named as the reply to it.
/// </summary>
internal abstract class BearerDescriber(string mechanism, SaslMaskOptions options) : SaslDescriber(mechanism, options)
{
    /// <summary>True once the server has sent its JSON error challenge.</summary>
    protected bool ErrorChallengeSeen { get; private set; }

    protected override string DescribeEmptyClient(bool isEquals) =>
        ErrorChallengeSeen
            ? (isEquals ? "= [empty response to error challenge]" : "(empty response to error challenge)")
            : base.DescribeEmptyClient(isEquals);

    protected override string DescribeServerPayload(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload)
    {
        if (!BearerTokenText.IsJson(payload))
        {
            return base.DescribeServerPayload(raw, payload);
        }

        ErrorChallengeSeen = true;
        return BearerTokenText.DescribeError(raw, payload);
    }
}
