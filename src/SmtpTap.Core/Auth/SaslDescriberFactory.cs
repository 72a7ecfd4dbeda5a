namespace SmtpTap.Core.Auth;

/// <summary>Creates the describer for one AUTH exchange. Until the per-mechanism decoders land, every payload is masked whole.</summary>
internal static class SaslDescriberFactory
{
    public static ISaslDescriber Create(string mechanism, SaslMaskOptions options) => new MaskAllDescriber(mechanism, options);

    private sealed class MaskAllDescriber(string mechanism, SaslMaskOptions options) : ISaslDescriber
    {
        public string Mechanism { get; } = mechanism.ToUpperInvariant();

        public SaslMaskOptions Options { get; } = options;

        public string DescribeClient(ReadOnlySpan<byte> line, bool isInitialResponse) => SaslMask.Placeholder;

        public string DescribeServer(ReadOnlySpan<byte> challenge) => SaslMask.Placeholder;
    }
}
