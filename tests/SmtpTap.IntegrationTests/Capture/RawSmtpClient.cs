using System.Net.Sockets;
using System.Text;

namespace SmtpTap.IntegrationTests.Capture;

/// <summary>A byte-exact scripted SMTP client over TcpClient for inputs MailKit never sends (pipelining, BDAT, injection).</summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _client;
    private readonly List<byte> _pending = [];
    private Stream _stream;

    private RawSmtpClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public Stream Stream => _stream;

    public static async Task<RawSmtpClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port).WaitAsync(s_timeout);
        return new RawSmtpClient(client);
    }

    public void ReplaceStream(Stream stream) => _stream = stream;

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(s_timeout);
        await _stream.FlushAsync().WaitAsync(s_timeout);
    }

    /// <summary>Reads one complete (possibly multi-line) reply and returns it with CRLFs.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var reply = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line is null)
            {
                return reply.Length == 0 ? "(closed)" : reply.ToString();
            }

            reply.Append(line).Append("\r\n");
            if (line.Length < 4 || line[3] == ' ')
            {
                return reply.ToString();
            }
        }
    }

    /// <summary>True if the server closed the connection (no more bytes) within the timeout.</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            var buffer = new byte[1];
            return _pending.Count == 0 && await _stream.ReadAsync(buffer).AsTask().WaitAsync(s_timeout) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }

    private async Task<string?> ReadLineAsync()
    {
        var buffer = new byte[1];
        while (true)
        {
            var end = IndexOfCrLf();
            if (end >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, end).ToArray());
                _pending.RemoveRange(0, end + 2);
                return line;
            }

            if (await _stream.ReadAsync(buffer).AsTask().WaitAsync(s_timeout) == 0)
            {
                return null;
            }

            _pending.Add(buffer[0]);
        }
    }

    private int IndexOfCrLf()
    {
        for (var i = 0; i + 1 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
