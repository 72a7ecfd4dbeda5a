namespace SmtpTap.Core.Relay;

/// <summary>The TLS handshake with the server failed or its certificate was refused.</summary>
internal sealed class UpstreamTlsException : Exception
{
    public UpstreamTlsException()
    {
    }

    public UpstreamTlsException(string message)
        : base(message)
    {
    }

    public UpstreamTlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
