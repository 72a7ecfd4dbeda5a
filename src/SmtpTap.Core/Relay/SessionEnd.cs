namespace SmtpTap.Core.Relay;

/// <summary>Why a session ended, as the close event reports it.</summary>
internal enum SessionEnd
{
    Quit,
    ClientClosed,
    ServerClosed,
    ClientTimeout,
    ServerTimeout,
    ProtocolViolation,
    ClientTlsFailed,
    UpstreamFailed,
    ClientError,
    ServerError,
    Shutdown,

    /// <summary>A bug in the tap: an exception no pump handles (reported with its type and site, never its text).</summary>
    InternalError,
}
