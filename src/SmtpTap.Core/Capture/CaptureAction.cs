namespace SmtpTap.Core.Capture;

/// <summary>What the session pump must do after sending (or queueing) a step's reply.</summary>
internal enum CaptureAction
{
    None,

    /// <summary>Flush the reply and close the connection (QUIT).</summary>
    Close,

    /// <summary>Flush the 220, drop buffered plaintext, and run the TLS handshake.</summary>
    StartTls,

    /// <summary>354 was sent: read dot-stuffed content up to CRLF.CRLF.</summary>
    ReceiveData,

    /// <summary>Read exactly ChunkSize bytes as message content (BDAT); the reply comes after the chunk.</summary>
    ReceiveChunk,

    /// <summary>Read and drop exactly ChunkSize bytes (a rejected BDAT).</summary>
    DiscardChunk,
}
