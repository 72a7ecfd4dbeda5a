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
}
