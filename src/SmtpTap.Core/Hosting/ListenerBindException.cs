using System.Net.Sockets;

namespace SmtpTap.Core.Hosting;

/// <summary>A listener could not be bound; the message names the listener and says why in plain words.</summary>
internal sealed class ListenerBindException : Exception
{
    public ListenerBindException()
    {
    }

    public ListenerBindException(string message)
        : base(message)
    {
    }

    public ListenerBindException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static ListenerBindException For(ListenerEndpoint listener, SocketException ex)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(ex);
        var why = ex.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "the address is already in use (another program, or another smtptap, listens on that port); pick another port with --listen",
            SocketError.AccessDenied => $"permission denied: port {listener.Port} is below 1024, which needs root or CAP_NET_BIND_SERVICE; pick a port of 1024 or more with --listen",
            SocketError.AddressNotAvailable => $"{listener.Address} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its own addresses",
            _ => ex.Message,
        };
        return new ListenerBindException($"cannot listen on {listener.Url}: {why}", ex);
    }
}
