namespace SmtpTap.Core.Auth;

/// <summary>
/// LOGIN (draft-murchison-sasl-login): the first client payload (initial response or first continuation)
/// is the user name, everything after it is the password. Masked by position, never by prompt text.
/// </summary>
internal sealed class LoginDescriber(SaslMaskOptions options) : SaslDescriber("LOGIN", options)
{
    protected override string DescribeClientLine(ReadOnlySpan<byte> line, bool isInitialResponse)
    {
        if (ClientIndex == 0 || SaslText.Is(line, "*"))
        {
            return base.DescribeClientLine(line, isInitialResponse);
        }

        return ClientIndex == 1 ? $"{P} [password]" : $"{P} [further response after the password, masked]";
    }

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse) =>
        $"{P} [user={Identity(payload)}]";
}
