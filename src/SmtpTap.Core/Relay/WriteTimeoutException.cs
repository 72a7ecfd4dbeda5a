namespace SmtpTap.Core.Relay;

/// <summary>A write to a peer did not complete in time (the peer stopped reading); the connection has been aborted.</summary>
internal sealed class WriteTimeoutException : IOException
{
    public WriteTimeoutException()
        : base("write timed out")
    {
    }

    public WriteTimeoutException(string message)
        : base(message)
    {
    }

    public WriteTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
