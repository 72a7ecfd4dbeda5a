namespace SmtpTap.Probe;

/// <summary>All that one probe found, built step by step by the runner; formatting and exit code derive from it.</summary>
internal sealed record ProbeReport
{
    public required string Target { get; init; }

    public string? ConnectedTo { get; init; }

    public string? Banner { get; init; }

    public IReadOnlyList<string>? CapabilitiesBeforeTls { get; init; }

    public IReadOnlyList<string>? CapabilitiesAfterTls { get; init; }

    public bool StartTlsOffered { get; init; }

    /// <summary>Why the session stayed plaintext (null when TLS was used or nothing was tried).</summary>
    public string? PlaintextReason { get; init; }

    public TlsReport? Tls { get; init; }

    public AuthReport? Auth { get; init; }

    public MessageReport? Message { get; init; }

    public ProbeError? Error { get; init; }

    public IReadOnlyList<ProbeTranscriptEntry> Transcript { get; init; } = [];
}
