namespace SmtpTap.Probe;

/// <summary>
/// What AUTH tries: a user, the password (or XOAUTH2/OAUTHBEARER token), and an explicit mechanism or null for the best
/// offered: the first of <paramref name="Preference"/> the server offers, or by default the probe's own order.
/// </summary>
internal sealed record ProbeCredentials(string User, ProbeSecret Secret, string? Mechanism, IReadOnlyList<string>? Preference = null);
