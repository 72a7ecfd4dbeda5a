namespace SmtpTap.Core.Protocol;

/// <summary>Caps on what an SMTP reply may be; above them the reply is malformed (never buffered without bound).</summary>
internal sealed record ReplyLimits
{
    public static ReplyLimits Default { get; } = new();

    /// <summary>Maximum length of one reply line including CRLF. RFC 5321 asks for at least 512.</summary>
    public int MaxLineLength { get; init; } = 4096;

    /// <summary>Maximum number of lines in one multi-line reply.</summary>
    public int MaxLines { get; init; } = 256;
}
