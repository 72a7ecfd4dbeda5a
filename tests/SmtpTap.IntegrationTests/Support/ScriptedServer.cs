using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using SmtpTap.Certificates;
using SmtpTap.Core.Protocol;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// An upstream that misbehaves on purpose: each accepted connection runs <see cref="Script"/>, which
/// reads client lines and writes raw bytes as the test decides. Lines received are recorded (raw, with
/// line endings escaped) so tests can assert what the server saw. Binds 127.0.0.1 port 0.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly Func<ScriptedConnection, Task> _script;
    private Task? _accept;

    public ScriptedServer(Func<ScriptedConnection, Task> script)
    {
        _script = script;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Everything every connection received, in order.</summary>
    public List<string> Received { get; } = [];

    public int Connections;

    /// <summary>Messages the server took responsibility for: it saw the end of data (or BDAT LAST) and answered 250.</summary>
    public int Committed;

    /// <summary>Raw content of each committed DATA message, terminator included.</summary>
    public List<byte[]> Messages { get; } = [];

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }

            Interlocked.Increment(ref Connections);
            lock (_sessions)
            {
                _sessions.Add(RunAsync(client));
            }
        }
    }

    private async Task RunAsync(TcpClient client)
    {
        using (client)
        {
            var connection = new ScriptedConnection(client, this, _stop.Token);
            try
            {
                await _script(connection);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }

    private readonly MemoryStream _raw = new();

    /// <summary>Every byte any connection read as lines, in order, exactly as received.</summary>
    public byte[] RawReceived()
    {
        lock (_raw)
        {
            return _raw.ToArray();
        }
    }

    internal void RecordRaw(ReadOnlySpan<byte> bytes)
    {
        lock (_raw)
        {
            _raw.Write(bytes);
        }
    }

    internal void Record(string line)
    {
        lock (Received)
        {
            Received.Add(line);
        }
    }

    public string[] ReceivedSnapshot()
    {
        lock (Received)
        {
            return [.. Received];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_accept is not null)
        {
            await _accept;
        }

        Task[] sessions;
        lock (_sessions)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}

/// <summary>One connection of a <see cref="ScriptedServer"/>.</summary>
internal sealed class ScriptedConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _client;
    private readonly ScriptedServer _server;
    private Stream _stream;
    private PipeReader _reader;

    public ScriptedConnection(TcpClient client, ScriptedServer server, CancellationToken cancellationToken)
    {
        _client = client;
        _server = server;
        _stream = client.GetStream();
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Token = cancellationToken;
    }

    public CancellationToken Token { get; }

    public ScriptedServer Server => _server;

    public Task SendAsync(string raw) => SendBytesAsync(Encoding.UTF8.GetBytes(raw));

    /// <summary>Exact bytes in one write (no CRLF added): bare LF or CR replies, injections, partial replies.</summary>
    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes, Token);
        await _stream.FlushAsync(Token);
    }

    /// <summary>Stops reading and writing until the test ends (a stalled server).</summary>
    public Task StallAsync() => Task.Delay(Timeout.Infinite, Token);

    /// <summary>Reads one CRLF line (escaped for display, without CRLF); null at end of stream.</summary>
    public async Task<string?> ReadLineAsync() => (await ReadLinePairAsync())?.Shown;

    /// <summary>Reads one CRLF line as sent (Latin-1, without CRLF, nothing escaped): for servers that tokenize like Postfix.</summary>
    public async Task<string?> ReadRawLineAsync() => (await ReadLinePairAsync())?.Raw;

    private async Task<(string Shown, string Raw)?> ReadLinePairAsync()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(s_timeout);
        while (true)
        {
            var result = await _reader.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (SmtpLineFramer.TryReadLine(ref buffer, 1 << 20, out var line) == LineReadStatus.Complete)
            {
                var content = SmtpLineFramer.Content(line);
                foreach (var segment in line)
                {
                    _server.RecordRaw(segment.Span);
                }

                var shown = SmtpTap.Core.Transcript.TranscriptText.Decode(content);
                var raw = Encoding.Latin1.GetString(content.ToArray());
                _reader.AdvanceTo(buffer.Start);
                _server.Record(shown);
                return (shown, raw);
            }

            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads one line and asserts its start.</summary>
    public async Task<string> ExpectAsync(string prefix)
    {
        var line = await ReadLineAsync();
        Assert.True(line is not null && line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase), $"server expected '{prefix}', got '{line ?? "<closed>"}'");
        return line!;
    }

    /// <summary>Reads exactly <paramref name="count"/> octets (a BDAT chunk); null if the connection ends first.</summary>
    public async Task<byte[]?> ReadExactAsync(long count)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(s_timeout);
        var bytes = new List<byte>();
        while (bytes.Count < count)
        {
            var result = await _reader.ReadAsync(cts.Token);
            var take = Math.Min(count - bytes.Count, result.Buffer.Length);
            var chunk = result.Buffer.Slice(0, take).ToArray();
            bytes.AddRange(chunk);
            _server.RecordRaw(chunk);
            _reader.AdvanceTo(result.Buffer.GetPosition(take));
            if (take == 0 && result.IsCompleted)
            {
                return null;
            }
        }

        return [.. bytes];
    }

    /// <summary>Reads one line starting with <paramref name="prefix"/> and answers with <paramref name="reply"/>.</summary>
    public async Task ExpectReplyAsync(string prefix, string reply)
    {
        await ExpectAsync(prefix);
        await SendAsync(reply);
    }

    /// <summary>Reads message content up to and including CRLF "." CRLF, as raw bytes; null if the connection ends first.</summary>
    public async Task<byte[]?> ReadDataRawAsync()
    {
        var bytes = new List<byte>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(s_timeout);
        while (true)
        {
            var result = await _reader.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            while (SmtpLineFramer.TryReadLine(ref buffer, 1 << 24, out var line) == LineReadStatus.Complete)
            {
                var raw = line.ToArray();
                bytes.AddRange(raw);
                _server.RecordRaw(raw);
                if (raw.Length == 3 && raw[0] == (byte)'.')
                {
                    _reader.AdvanceTo(buffer.Start);
                    return [.. bytes];
                }
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads message lines up to the terminating "." and returns them (as sent, still stuffed).</summary>
    public async Task<List<string>> ReadDataAsync()
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            if (line == ".")
            {
                return lines;
            }

            lines.Add(line);
        }

        throw new IOException("connection closed inside DATA");
    }

    /// <summary>A standard ESMTP opening: greeting, then answers the tap's EHLO with the given capabilities.</summary>
    public async Task GreetAndEhloAsync(params string[] capabilities)
    {
        await SendAsync("220 scripted.test ESMTP\r\n");
        await ExpectAsync("EHLO");
        await SendAsync(EhloReply(capabilities));
    }

    public static string EhloReply(params string[] capabilities)
    {
        var lines = new List<string> { "scripted.test" };
        lines.AddRange(capabilities);
        return new SmtpReply(250, lines).ToWireString();
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes, Token);
        await _stream.FlushAsync(Token);
    }

    public async Task StartTlsAsServerAsync(IServerCertificateSource certificates, System.Security.Authentication.SslProtocols protocols = System.Security.Authentication.SslProtocols.None)
    {
        await _reader.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificates.GetCertificate("localhost"), EnabledSslProtocols = protocols }, Token);
        _stream = ssl;
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public void Abort() => _client.Client.Close(0);

    /// <summary>
    /// Linux only: TCP segments with data this connection has received so far (<c>tcpi_data_segs_in</c> of
    /// <c>TCP_INFO</c>, kernel 4.6+), to see how many writes the tap used for a group of commands.
    /// </summary>
    public int DataSegmentsReceived()
    {
        const int IpProtoTcp = 6, TcpInfo = 11, DataSegsInOffset = 152;
        Span<byte> info = stackalloc byte[256];
        var length = _client.Client.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
        Assert.True(length >= DataSegsInOffset + 4, $"TCP_INFO too short ({length} octets) for tcpi_data_segs_in");
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(info[DataSegsInOffset..]);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
