namespace SmtpTap.Core.Relay;

/// <summary>The client sent nothing for longer than the idle timeout.</summary>
internal sealed class ClientIdleException : Exception
{
    public ClientIdleException()
        : base("the client was idle for too long")
    {
    }

    public ClientIdleException(string message)
        : base(message)
    {
    }

    public ClientIdleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
