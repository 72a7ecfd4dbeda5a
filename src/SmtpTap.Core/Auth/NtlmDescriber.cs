using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// NTLM over SMTP AUTH. Both directions are decoded with <see cref="NtlmDecoder"/>; raw base64 is never
/// echoed (a CHALLENGE carries the server challenge, an AUTHENTICATE the responses). Plain-text server
/// replies such as <c>334 NTLM supported</c> are shown as text.
/// </summary>
internal sealed class NtlmDescriber(SaslMaskOptions options) : SaslDescriber("NTLM", options)
{
    private const string Malformed = $"{P} [malformed NTLM message, masked]";

    protected override string DescribeClientPayload(ReadOnlySpan<byte> payload, bool isInitialResponse) => Describe(payload);

    protected override string MalformedClient() => Malformed;

    protected override string DescribeServerPayload(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> payload) =>
        payload.Length == 0 ? $"{SaslText.Echo(raw)} [empty]" : Describe(payload);

    private string Describe(ReadOnlySpan<byte> payload)
    {
        if (!NtlmDecoder.TryDecode(payload, out var message, out _))
        {
            return Malformed;
        }

        var sb = new StringBuilder();
        switch (message.MessageType)
        {
            case 1:
                sb.Append("NTLM NEGOTIATE (type 1): flags=").Append(NtlmFlags.Describe(message.Flags));
                AppendName(sb, "domain", message.DomainName);
                AppendName(sb, "workstation", message.Workstation);
                break;
            case 2:
                sb.Append("NTLM CHALLENGE (type 2): flags=").Append(NtlmFlags.Describe(message.Flags));
                AppendName(sb, "target name", message.TargetName);
                sb.Append(", server challenge (8 bytes)");
                AppendTargetInfo(sb, message.TargetInfo);
                break;
            default:
                sb.Append("NTLM AUTHENTICATE (type 3): ").Append(message.ResponseKind);
                AppendName(sb, "domain", message.DomainName);
                AppendName(sb, "user", message.UserName);
                AppendName(sb, "workstation", message.Workstation);
                sb.Append(", flags=").Append(NtlmFlags.Describe(message.Flags));
                AppendSecret(sb, "lm response", message.HasLmResponse);
                AppendSecret(sb, "nt response", message.HasNtResponse);
                AppendSecret(sb, "session key", message.HasSessionKey);
                AppendSecret(sb, "mic", message.HasMic);
                break;
        }

        if (message.Version is not null)
        {
            sb.Append(", version=").Append(message.Version);
        }

        return $"{P} [{sb}]";
    }

    private void AppendName(StringBuilder sb, string label, string? value)
    {
        if (value is not null)
        {
            sb.Append(", ").Append(label).Append('=').Append(Options.MaskUsernames ? P : value);
        }
    }

    private static void AppendSecret(StringBuilder sb, string label, bool present)
    {
        if (present)
        {
            sb.Append(", ").Append(label).Append('=').Append(P);
        }
    }

    private void AppendTargetInfo(StringBuilder sb, IReadOnlyList<NtlmAvPair> pairs)
    {
        if (pairs.Count == 0)
        {
            return;
        }

        sb.Append(", target info: ");
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            sb.Append(i == 0 ? string.Empty : ", ").Append(pair.Name).Append('=')
                .Append(pair.IsName && Options.MaskUsernames ? P : pair.Value);
        }
    }
}
