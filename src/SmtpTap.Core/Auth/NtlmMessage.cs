namespace SmtpTap.Core.Auth;

/// <summary>
/// The displayable parts of one NTLM message ([MS-NLMP] 2.2.1). Holds no secret: the server challenge,
/// LM/NT responses, session key and MIC are reduced to presence flags (no bytes, no lengths).
/// </summary>
internal sealed class NtlmMessage
{
    /// <summary>1 NEGOTIATE, 2 CHALLENGE, 3 AUTHENTICATE.</summary>
    public required int MessageType { get; init; }

    public required uint Flags { get; init; }

    public string? DomainName { get; init; }

    public string? UserName { get; init; }

    public string? Workstation { get; init; }

    public string? TargetName { get; init; }

    /// <summary>"6.1.7600 (NTLM revision 15)" when a version structure is present.</summary>
    public string? Version { get; init; }

    public IReadOnlyList<NtlmAvPair> TargetInfo { get; init; } = [];

    /// <summary>Type 3 only: "NTLMv2", "NTLMv1", "anonymous" or "unrecognised", from the NT response size category.</summary>
    public string? ResponseKind { get; init; }

    public bool HasLmResponse { get; init; }

    public bool HasNtResponse { get; init; }

    public bool HasSessionKey { get; init; }

    public bool HasMic { get; init; }
}
