namespace SmtpTap.Probe;

/// <summary>The optional test message: envelope, subject and body text (line endings are normalised when sent).</summary>
internal sealed record ProbeMessage
{
    public required string From { get; init; }

    public required IReadOnlyList<string> To { get; init; }

    public string Subject { get; init; } = "smtptap probe test message";

    public string Body { get; init; } = "This is a test message sent by smtptap probe.";
}
