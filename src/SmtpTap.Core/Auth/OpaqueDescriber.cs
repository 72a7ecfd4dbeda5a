namespace SmtpTap.Core.Auth;

/// <summary>
/// Mechanisms that are not decoded (GSSAPI and anything unknown): every payload in both directions is
/// masked; only cancel and empty lines are named.
/// </summary>
internal sealed class OpaqueDescriber(string mechanism, string label, SaslMaskOptions options) : SaslDescriber(mechanism, options)
{
    public static OpaqueDescriber Gssapi(SaslMaskOptions options) => new("GSSAPI", "GSSAPI token", options);

    public static OpaqueDescriber Unknown(string mechanism, SaslMaskOptions options) =>
        new(mechanism, $"mechanism {mechanism} not decoded", options);

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse) => Masked();

    protected override string MalformedClient() => Masked();

    protected override string DescribeServerPayload(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload) =>
        payload.Length == 0 ? $"{SaslText.Echo(raw)} [empty]" : Masked();

    protected override string DescribeNonBase64Server(ReadOnlySpan<byte> text) => Masked();

    private string Masked() => $"{P} [{label}, masked]";
}
