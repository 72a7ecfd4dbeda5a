using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>Why the tap refuses a message in DATA, and the reply the client gets after the real end of data.</summary>
internal sealed record ContentViolation(string Description, SmtpReply Reply, string Anomaly, long Offset, string Excerpt)
{
    private const int ExcerptBefore = 8;
    private const int ExcerptAfter = 40;

    public static ContentViolation LineTooLong(int maxLine, long offset) => new(
        $"a text line longer than {maxLine} octets (RFC 5321 section 4.5.3.1.6)",
        SmtpReply.Single(500, $"5.5.6 smtptap: message refused: line too long (text lines are limited to {maxLine} octets); nothing was delivered"),
        "line too long",
        offset,
        string.Empty);

    public static ContentViolation TooBig(long maxSize) => new(
        $"more than {maxSize} octets",
        SmtpReply.Single(552, $"5.3.4 smtptap: message size exceeds fixed maximum message size ({maxSize} octets); nothing was delivered"),
        "too big",
        maxSize,
        string.Empty);

    /// <summary>A line whose content holds a bare CR, bare LF or NUL; the excerpt around it is escaped and short.</summary>
    public static ContentViolation BareLineEnd(byte[] content, long lineOffset)
    {
        var at = Array.FindIndex(content, b => b is (byte)'\r' or (byte)'\n' or 0);
        var anomaly = content[at] switch
        {
            (byte)'\r' => "bare CR",
            (byte)'\n' => "bare LF",
            _ => "NUL",
        };
        var start = Math.Max(0, at - ExcerptBefore);
        var end = Math.Min(content.Length, at + ExcerptAfter);
        var excerpt = TranscriptText.Decode(content.AsSpan(start, end - start));
        return new(
            "a " + anomaly + " inside the message (SMTP smuggling risk)",
            SmtpReply.Single(550, "5.6.0 smtptap: message refused: bare CR, LF or NUL in content; nothing was delivered"),
            anomaly,
            lineOffset + at,
            excerpt);
    }
}
