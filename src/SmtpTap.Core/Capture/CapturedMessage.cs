namespace SmtpTap.Core.Capture;

/// <summary>One message accepted by the capture server (recorded only after its final 250 was decided).</summary>
internal sealed record CapturedMessage(
    long Id,
    string? AuthenticatedUser,
    string MailFrom,
    IReadOnlyList<string> Recipients,
    long Size,
    string Sha256Hex,
    string? FilePath,
    byte[]? Content,
    bool ReceivedOverTls,
    DateTimeOffset ReceivedAt);
