namespace SmtpTap.Core.Relay;

/// <summary>The server broke the protocol (malformed reply, closed mid-reply). The message never holds payload bytes.</summary>
internal sealed class PeerProtocolException : Exception
{
    public PeerProtocolException()
    {
    }

    public PeerProtocolException(string message)
        : base(message)
    {
    }

    public PeerProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
