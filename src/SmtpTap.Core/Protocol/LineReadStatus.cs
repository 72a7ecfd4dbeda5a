namespace SmtpTap.Core.Protocol;

/// <summary>Outcome of looking for one CRLF-terminated line in a buffer.</summary>
internal enum LineReadStatus
{
    /// <summary>No CRLF yet and the buffer is still under the limit: read more.</summary>
    NeedMoreData,

    /// <summary>A complete line was found.</summary>
    Complete,

    /// <summary>The limit was reached without a CRLF.</summary>
    TooLong,
}
