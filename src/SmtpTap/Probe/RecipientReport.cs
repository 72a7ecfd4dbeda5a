namespace SmtpTap.Probe;

/// <summary>One RCPT TO and the server's answer.</summary>
internal sealed record RecipientReport(string Address, bool Accepted, string Reply);
