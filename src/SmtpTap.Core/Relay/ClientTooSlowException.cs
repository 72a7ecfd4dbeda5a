namespace SmtpTap.Core.Relay;

/// <summary>The client broke a rate rule (per-command deadline or minimum data rate); the message says which, without client bytes.</summary>
internal sealed class ClientTooSlowException : Exception
{
    public ClientTooSlowException()
        : base("the client was too slow")
    {
    }

    public ClientTooSlowException(string message)
        : base(message)
    {
    }

    public ClientTooSlowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
