using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpTap.LoadTest;

/// <summary>A minimal SMTP line connection for the load clients and the sink: CRLF lines in, raw bytes out, every wait bounded.</summary>
internal sealed class LineConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    public LineConnection(Socket socket) => _socket = socket;

    public static async Task<LineConnection> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        return new LineConnection(socket);
    }

    public Task SendAsync(string text, CancellationToken cancellationToken) => SendAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var n = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[n..];
        }
    }

    /// <summary>One line without CRLF, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var at = span.IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.Latin1.GetString(span[..at]);
                _start += at + 2;
                return line;
            }

            if (_start > 0)
            {
                span.CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new IOException("line longer than the load client's buffer");
            }

            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return null;
            }

            _end += n;
        }
    }

    /// <summary>Reads one whole reply (multi-line aware); returns its last line, or null at end of stream.</summary>
    public async Task<string?> ReadReplyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line is null || line.Length < 4 || line[3] != '-')
            {
                return line;
            }
        }
    }

    public async Task<string> ExpectAsync(string code, CancellationToken cancellationToken)
    {
        var reply = await ReadReplyAsync(cancellationToken) ?? throw new IOException($"closed while waiting for {code}");
        return reply.StartsWith(code, StringComparison.Ordinal) ? reply : throw new IOException($"expected {code}, got '{reply}'");
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
