namespace SmtpTap.Core.Protocol;

/// <summary>How a framed line ended.</summary>
internal enum LineEnding
{
    /// <summary>No line end yet: a piece of a line too long to hold (relayed as it streams).</summary>
    None,

    /// <summary>CRLF, the only line end SMTP knows (RFC 5321 section 2.3.8).</summary>
    Crlf,

    /// <summary>An LF without CR before it (old Unix scripts, PHP mail()).</summary>
    BareLf,
}
