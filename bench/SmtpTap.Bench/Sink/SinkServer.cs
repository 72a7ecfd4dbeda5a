using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace SmtpTap.Bench.Sink;

/// <summary>
/// A fast SMTP sink on 127.0.0.1 port 0: accepts everything, discards message content, answers a
/// pipelined group with one write. Offers STARTTLS on a plain listener; the implicit listener is TLS from the first byte.
/// </summary>
internal sealed class SinkServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly SslServerAuthenticationOptions _tls;
    private readonly bool _implicitTls;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _gate = new();
    private Task _accept = Task.CompletedTask;

    public SinkServer(SslStreamCertificateContext certificate, bool implicitTls)
    {
        _implicitTls = implicitTls;
        _tls = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public void Start()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
        _accept = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var task = Task.Run(() => ServeAsync(socket, _stop.Token));
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        socket.NoDelay = true;
        var network = new NetworkStream(socket, ownsSocket: true);
        Stream stream = network;
        try
        {
            if (_implicitTls)
            {
                var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(_tls, cancellationToken);
                stream = ssl;
            }

            var session = new SinkSession(stream, !_implicitTls);
            await session.GreetAsync(cancellationToken);
            await session.RunAsync(cancellationToken);
            if (session.StartTlsRequested)
            {
                var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(_tls, cancellationToken);
                stream = ssl;
                await new SinkSession(ssl, offerStartTls: false).RunAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accept;
        Task[] all;
        lock (_gate)
        {
            all = [.. _connections];
        }

        await Task.WhenAll(all);
        _stop.Dispose();
    }
}
