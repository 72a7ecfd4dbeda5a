namespace SmtpTap.Core.Capture;

/// <summary>Outcome of one framing attempt on buffered command input.</summary>
internal enum CommandLineStatus
{
    /// <summary>No complete line yet; read more.</summary>
    NeedMore,

    /// <summary>A complete CRLF-terminated line.</summary>
    Line,

    /// <summary>A line longer than the limit ended (its bytes were dropped as they arrived).</summary>
    TooLong,

    /// <summary>A line containing a bare CR, bare LF or NUL.</summary>
    BareLineEnding,

    /// <summary>A line that is not valid UTF-8 (reported by the connection, never by the framer).</summary>
    InvalidUtf8,

    /// <summary>The client closed its side (reported by the connection, never by the framer).</summary>
    EndOfInput,
}
