namespace SmtpTap.Core.Auth;

/// <summary>EXTERNAL (RFC 4422 appendix A): the only payload is an optional authorization identity.</summary>
internal sealed class ExternalDescriber(SaslMaskOptions options) : SaslDescriber("EXTERNAL", options)
{
    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse) =>
        $"{P} [authzid={Identity(payload)}]";

    protected override string DescribeEmptyClient(bool isEquals) =>
        (isEquals ? "=" : "(empty line)") + " [empty: act as the identity established outside SASL, e.g. the TLS client certificate]";
}
