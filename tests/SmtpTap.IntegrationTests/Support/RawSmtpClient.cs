using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>A byte-exact scripted SMTP client for cases MailKit would not produce (pipelining by hand, BDAT, bad input).</summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public static async Task<RawSmtpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port).WaitAsync(s_timeout);
        return new RawSmtpClient(tcp);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(s_timeout);
        await _stream.FlushAsync().WaitAsync(s_timeout);
    }

    /// <summary>The next reply, or null if the server closed the connection.</summary>
    public async Task<SmtpReply?> ReadReplyAsync()
    {
        using var cts = new CancellationTokenSource(s_timeout);
        var read = await ReplyReader.ReadAsync(_reader, ReplyLimits.Default, cts.Token);
        return read?.Reply;
    }

    /// <summary>The next reply exactly as the bytes arrived, or null if the server closed the connection.</summary>
    public async Task<byte[]?> ReadRawReplyAsync()
    {
        using var cts = new CancellationTokenSource(s_timeout);
        var read = await ReplyReader.ReadAsync(_reader, ReplyLimits.Default, cts.Token);
        return read?.Raw;
    }

    public async Task<SmtpReply> ExpectAsync(int code)
    {
        var reply = await ReadReplyAsync();
        Assert.True(reply is not null, $"expected {code}, the connection was closed");
        Assert.True(reply.Code == code, $"expected {code}, got {reply.Code} {string.Join(" / ", reply.Lines)}");
        return reply;
    }

    /// <summary>True once the peer has closed (reads end) within the timeout.</summary>
    public async Task<bool> ClosedAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(s_timeout);
            while (true)
            {
                var result = await _reader.ReadAsync(cts.Token);
                _reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
