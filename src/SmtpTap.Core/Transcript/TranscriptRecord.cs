namespace SmtpTap.Core.Transcript;

/// <summary>
/// One line of a session's transcript as the observers see it: already masked (AUTH payloads, and user names
/// with --mask-usernames), so no observer can show what the transcript does not.
/// </summary>
/// <param name="SessionId">The session's id (as in every output).</param>
/// <param name="Timestamp">When the line was written; the Serilog event carries the same time.</param>
/// <param name="Direction">Who sent it to whom; <see cref="TranscriptDirection.Event"/> for the tap's own events.</param>
/// <param name="IsWarning">A warning (the console shows "WARNING: ...").</param>
/// <param name="Text">The line as the transcript shows it (for an event, its rendered message).</param>
/// <param name="Properties">For a tap event: its template's properties as text (ClientEndPoint, Upstream, Outcome, Reply, ...); else null.</param>
internal sealed record TranscriptRecord(
    string SessionId,
    DateTimeOffset Timestamp,
    TranscriptDirection Direction,
    bool IsWarning,
    string Text,
    IReadOnlyDictionary<string, string>? Properties = null)
{
    /// <summary>The close event every session ends with carries its outcome (Quit, ClientClosed, UpstreamFailed, ...).</summary>
    public const string OutcomeProperty = "Outcome";

    /// <summary>What the tap did to this line beyond relaying it (sent it itself, removed/added/changed a capability, decoded a challenge).</summary>
    public TranscriptMark Mark { get; init; }

    /// <summary>For the last line of a refusal or a final AUTH reply: what it means (<see cref="Protocol.ReplyExplainer"/>); else null.</summary>
    public string? Explanation { get; init; }

    /// <summary>For the "Certificate of the ... leg" event: the leg's TLS handshake and certificate; else null.</summary>
    public TlsLegCertificate? Tls { get; init; }

    /// <summary>The session's last record: the close event.</summary>
    public bool ClosesSession => Properties is not null && Properties.ContainsKey(OutcomeProperty);
}
