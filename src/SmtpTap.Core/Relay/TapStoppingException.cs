namespace SmtpTap.Core.Relay;

/// <summary>The tap is stopping and the client pump was waiting for a command: the session ends with 421 4.3.2.</summary>
internal sealed class TapStoppingException : Exception
{
    public TapStoppingException()
        : base("the tap is stopping")
    {
    }

    public TapStoppingException(string message)
        : base(message)
    {
    }

    public TapStoppingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
