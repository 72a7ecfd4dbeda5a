using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>Why the tap refuses a message in DATA, and the reply the client gets after the real end of data.</summary>
internal sealed record ContentViolation(string Description, SmtpReply Reply, string Anomaly, long Offset, string Excerpt)
{
    /// <summary>
    /// The client ends its lines with a bare LF only: its end of data is "LF . LF", so the tap reads to that (the
    /// server is already disconnected, so the two cannot disagree) instead of waiting for a CRLF.CRLF that never comes.
    /// </summary>
    public bool LfOnlyClient { get; init; }

    /// <summary>A bare LF ended a line of the message (--line-endings reject): refused at that LF, with a reply that says how to fix it.</summary>
    public static ContentViolation BareLfLineEnd(byte[] content, long lineOffset, bool lfOnlyClient)
    {
        var start = Math.Max(0, content.Length - ExcerptAfter);
        var excerpt = TranscriptText.Decode(content.AsSpan(start)) + "\\n";
        return new(
            lfOnlyClient
                ? "lines that end in a bare LF instead of CRLF (the client sends LF-only line endings; SMTP requires CRLF, RFC 5321 section 2.3.8)"
                : "a line that ends in a bare LF instead of CRLF (SMTP smuggling risk)",
            SmtpReply.Single(550, "5.6.0 smtptap: message refused: a line ends in a bare LF, SMTP needs CRLF (RFC 5321 section 2.3.8); nothing was delivered; smtptap --line-endings fix would normalise it"),
            "bare LF",
            lineOffset + content.Length,
            excerpt)
        {
            LfOnlyClient = lfOnlyClient,
        };
    }

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
