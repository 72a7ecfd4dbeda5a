namespace SmtpTap.Probe;

/// <summary>What AUTH tries: a user, the password (or XOAUTH2 token), and an explicit mechanism or null for the best offered.</summary>
internal sealed record ProbeCredentials(string User, ProbeSecret Secret, string? Mechanism);
