using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SmtpTap.LoadTest;

/// <summary>
/// The upstream: a minimal SMTP sink on 127.0.0.1 port 0 that accepts everything and counts each message by its
/// X-Load-Id header, so losses and duplicates show up. It says 250 only after it saw the whole message.
/// </summary>
internal sealed class SinkServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private Task? _accept;

    public int Port { get; private set; }

    public ConcurrentDictionary<string, int> Delivered { get; } = new(StringComparer.Ordinal);

    public int Connections;

    public int ContentWithoutId;

    public void Start()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(2048);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accept = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref Connections);
            _ = ServeAsync(new LineConnection(socket));
        }
    }

    private async Task ServeAsync(LineConnection connection)
    {
        await using (connection)
        {
            try
            {
                var token = _stop.Token;
                await connection.SendAsync("220 sink.load ESMTP\r\n", token);
                while (await connection.ReadLineAsync(token) is { } line)
                {
                    var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await connection.SendAsync("250-sink.load\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n", token);
                            break;
                        case "DATA":
                            await connection.SendAsync("354 go ahead\r\n", token);
                            if (!await ReadMessageAsync(connection, token))
                            {
                                return;
                            }

                            await connection.SendAsync("250 2.0.0 queued\r\n", token);
                            break;
                        case "QUIT":
                            await connection.SendAsync("221 2.0.0 bye\r\n", token);
                            return;
                        default:
                            await connection.SendAsync("250 2.0.0 ok\r\n", token);
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Reads to the final dot; counts the message only then. False if the connection ended first (nothing counted).</summary>
    private async Task<bool> ReadMessageAsync(LineConnection connection, CancellationToken token)
    {
        string? id = null;
        while (await connection.ReadLineAsync(token) is { } line)
        {
            if (line == ".")
            {
                if (id is null)
                {
                    Interlocked.Increment(ref ContentWithoutId);
                }
                else
                {
                    Delivered.AddOrUpdate(id, 1, (_, n) => n + 1);
                }

                return true;
            }

            if (id is null && line.StartsWith("X-Load-Id: ", StringComparison.Ordinal))
            {
                id = line["X-Load-Id: ".Length..];
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        if (_accept is not null)
        {
            await _accept;
        }

        _stop.Dispose();
    }
}
