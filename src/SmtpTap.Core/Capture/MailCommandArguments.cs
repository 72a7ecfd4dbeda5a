namespace SmtpTap.Core.Capture;

/// <summary>A parsed MAIL FROM / RCPT TO argument: the address without angle brackets and the ESMTP parameters.</summary>
internal sealed record MailCommandArguments(string Address, IReadOnlyList<KeyValuePair<string, string?>> Parameters);
