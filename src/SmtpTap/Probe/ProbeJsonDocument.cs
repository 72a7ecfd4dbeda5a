namespace SmtpTap.Probe;

/// <summary>The shape of <c>smtptap probe --json</c>: one document with every finding.</summary>
internal sealed record ProbeJsonDocument
{
    public required string Target { get; init; }

    public string? ConnectedTo { get; init; }

    public string? Banner { get; init; }

    public IReadOnlyList<string>? CapabilitiesBeforeTls { get; init; }

    public IReadOnlyList<string>? CapabilitiesAfterTls { get; init; }

    public bool StartTlsOffered { get; init; }

    public string? Plaintext { get; init; }

    public TlsReport? Tls { get; init; }

    public AuthReport? Auth { get; init; }

    public MessageReport? Message { get; init; }

    public required IReadOnlyList<ProbeJsonFinding> Findings { get; init; }

    public required IReadOnlyList<ProbeJsonTranscriptLine> Transcript { get; init; }

    public ProbeJsonError? Error { get; init; }

    public int ExitCode { get; init; }
}

internal sealed record ProbeJsonFinding(string Severity, string Area, string Text);

internal sealed record ProbeJsonTranscriptLine(DateTimeOffset Time, string Direction, string Text);

internal sealed record ProbeJsonError(string Kind, string Message);
