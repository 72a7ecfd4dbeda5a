namespace SmtpTap.Probe;

/// <summary>One line of the summary: severity, area ("connect", "tls", "certificate", "auth", "message", "relay") and a sentence.</summary>
internal sealed record Finding(FindingSeverity Severity, string Area, string Text);
