namespace SmtpTap.Core.Relay;

/// <summary>The decision for one framed piece of DATA content (see <see cref="DataContentRules"/>).</summary>
internal readonly record struct DataDecision(DataAction Action, ContentViolation? Violation = null)
{
    /// <summary>The piece completes a line (it is not the middle of a long line).</summary>
    public bool CompletesLine { get; init; }

    /// <summary>The piece starts a line.</summary>
    public bool StartsLine { get; init; }

    /// <summary>Octets of the line this piece completes, with CRLF and without a stuffing dot.</summary>
    public long LineOctets { get; init; }

    /// <summary>The completed line is longer than RFC 5321's 1000 octets (relayed, flagged in the transcript).</summary>
    public bool OverRfcLimit => CompletesLine && LineOctets > DataContentRules.RfcTextLine;
}
