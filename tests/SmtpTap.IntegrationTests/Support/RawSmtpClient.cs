using System.IO.Pipelines;
using System.Net.Security;
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
    private readonly NetworkStream _network;
    private Stream _stream;
    private PipeReader _reader;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _network = tcp.GetStream();
        _stream = _network;
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public static async Task<RawSmtpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port).WaitAsync(s_timeout);
        return new RawSmtpClient(tcp);
    }

    /// <summary>Connects, expects the 220 greeting, sends <c>EHLO c</c> and expects its 250.</summary>
    public static async Task<RawSmtpClient> ConnectAndEhloAsync(int port)
    {
        var client = await ConnectAsync(port);
        await client.ExpectAsync(220);
        await client.SendAsync("EHLO c\r\n");
        await client.ExpectAsync(250);
        return client;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(s_timeout);
        await _stream.FlushAsync().WaitAsync(s_timeout);
    }

    /// <summary>TLS on this connection (after the tap's 220 to STARTTLS, or at once for implicit TLS).</summary>
    public async Task StartTlsAsync(RemoteCertificateValidationCallback validate)
    {
        await _reader.CompleteAsync();
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = validate }).WaitAsync(s_timeout);
        _stream = ssl;
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    /// <summary>Sends a TLS close_notify, leaving the TCP connection open.</summary>
    public async Task CloseNotifyAsync() => await ((SslStream)_stream).ShutdownAsync().WaitAsync(s_timeout);

    /// <summary>Writes straight to the TCP socket, under any TLS (plaintext after close_notify).</summary>
    public async Task SendOnSocketAsync(string text) => await _tcp.Client.SendAsync(Encoding.ASCII.GetBytes(text)).WaitAsync(s_timeout);

    /// <summary>Bytes sent one write each, with a short pause, so the tap sees them in separate reads.</summary>
    public async Task SendSplitAsync(ReadOnlyMemory<byte> bytes, params int[] cuts)
    {
        var start = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            if (cut > start)
            {
                await SendAsync(bytes[start..cut]);
                await Task.Delay(15);
            }

            start = cut;
        }
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

    /// <summary>Drops the connection with a TCP RST (linger 0), as a client that gives up hard does.</summary>
    public void Reset()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Client.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        await _network.DisposeAsync();
        _tcp.Dispose();
    }
}
