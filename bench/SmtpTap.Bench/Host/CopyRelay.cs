using System.Net;
using System.Net.Sockets;

namespace SmtpTap.Bench.Host;

/// <summary>
/// The floor for any relay on this machine: accept, connect upstream, copy bytes both ways (NoDelay,
/// 16 KB buffers), no parsing, no TLS, no transcript.
/// </summary>
internal sealed class CopyRelay(int upstreamPort) : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private Task _accept = Task.CompletedTask;

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

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
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client, _stop.Token));
        }
    }

    private async Task RelayAsync(Socket client, CancellationToken cancellationToken)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        await using var clientStream = new NetworkStream(client, ownsSocket: true);
        try
        {
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, upstreamPort), cancellationToken);
            await using var serverStream = new NetworkStream(server, ownsSocket: false);
            var up = CopyAsync(clientStream, serverStream, server, cancellationToken);
            var down = CopyAsync(serverStream, clientStream, client, cancellationToken);
            await Task.WhenAll(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, Socket toSocket, CancellationToken cancellationToken)
    {
        await from.CopyToAsync(to, 16 * 1024, cancellationToken);
        toSocket.Shutdown(SocketShutdown.Send);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accept;
        _stop.Dispose();
    }
}
