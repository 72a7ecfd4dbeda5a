using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace SmtpTap.Bench.Client;

/// <summary>
/// A bulk-sender style SMTP client over a raw socket (and SslStream): MAIL, RCPT and DATA pipelined in
/// one write, the message and its end of data in one write, replies read from one buffer.
/// </summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private static readonly byte[] s_ehlo = "EHLO bench.client\r\n"u8.ToArray();
    private static readonly byte[] s_startTls = "STARTTLS\r\n"u8.ToArray();
    private static readonly byte[] s_noop = "NOOP\r\n"u8.ToArray();
    private static readonly byte[] s_data = "DATA\r\n"u8.ToArray();
    private static readonly byte[] s_quit = "QUIT\r\n"u8.ToArray();
    private static readonly byte[] s_envelope = "MAIL FROM:<bench@client.test>\r\nRCPT TO:<sink@sink.test>\r\nDATA\r\n"u8.ToArray();

    private readonly NetworkStream _network;
    private readonly byte[] _in = new byte[16 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;

    private BenchClient(Socket socket)
    {
        socket.NoDelay = true;
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
    }

    public static async Task<BenchClient> ConnectAsync(IPEndPoint endPoint, LegMode mode, BenchCertificates certificates, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new BenchClient(socket);
        try
        {
            if (mode == LegMode.Implicit)
            {
                await client.UpgradeAsync(certificates, cancellationToken);
            }

            await client.ExpectAsync(220, cancellationToken);
            await client.CommandAsync(s_ehlo, 250, cancellationToken);
            if (mode == LegMode.StartTls)
            {
                await client.CommandAsync(s_startTls, 220, cancellationToken);
                await client.UpgradeAsync(certificates, cancellationToken);
                await client.CommandAsync(s_ehlo, 250, cancellationToken);
            }

            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>One message: pipelined envelope (2 replies + 354), then content with its end of data.</summary>
    public async Task SendMessageAsync(ReadOnlyMemory<byte> contentWithEnd, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(s_envelope, cancellationToken);
        await ExpectAsync(250, cancellationToken);
        await ExpectAsync(250, cancellationToken);
        await ExpectAsync(354, cancellationToken);
        await _stream.WriteAsync(contentWithEnd, cancellationToken);
        await ExpectAsync(250, cancellationToken);
    }

    /// <summary>A transaction as a bulk sender sends it: <paramref name="envelope"/> (MAIL, RCPT, DATA) in one write, then the content with its end of data in one write.</summary>
    public async Task PipelinedTransactionAsync(byte[] envelope, int recipients, ReadOnlyMemory<byte> contentWithEnd, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(envelope, cancellationToken);
        await ExpectAsync(250, cancellationToken);
        for (var i = 0; i < recipients; i++)
        {
            await ExpectAsync(250, cancellationToken);
        }

        await ExpectAsync(354, cancellationToken);
        await _stream.WriteAsync(contentWithEnd, cancellationToken);
        await ExpectAsync(250, cancellationToken);
    }

    /// <summary>The same transaction in lock-step: MAIL, RCPT and DATA each wait for their reply.</summary>
    public async Task LockStepTransactionAsync(byte[] mail, byte[] rcpt, ReadOnlyMemory<byte> contentWithEnd, CancellationToken cancellationToken)
    {
        await CommandAsync(mail, 250, cancellationToken);
        await CommandAsync(rcpt, 250, cancellationToken);
        await CommandAsync(s_data, 354, cancellationToken);
        await _stream.WriteAsync(contentWithEnd, cancellationToken);
        await ExpectAsync(250, cancellationToken);
    }

    /// <summary>Envelope and 354, then the caller streams content with <see cref="WriteAsync"/> and ends with <see cref="ExpectAsync"/>.</summary>
    public async Task BeginDataAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(s_envelope, cancellationToken);
        await ExpectAsync(250, cancellationToken);
        await ExpectAsync(250, cancellationToken);
        await ExpectAsync(354, cancellationToken);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _stream.WriteAsync(data, cancellationToken);

    public Task NoopAsync(CancellationToken cancellationToken) => CommandAsync(s_noop, 250, cancellationToken);

    public Task QuitAsync(CancellationToken cancellationToken) => CommandAsync(s_quit, 221, cancellationToken);

    private async Task CommandAsync(byte[] command, int expected, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(command, cancellationToken);
        await ExpectAsync(expected, cancellationToken);
    }

    private async Task UpgradeAsync(BenchCertificates certificates, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsClientAsync(certificates.ClientOptions(), cancellationToken);
        _stream = ssl;
    }

    /// <summary>Reads one whole reply (all continuation lines) and checks its code.</summary>
    public async Task ExpectAsync(int expected, CancellationToken cancellationToken)
    {
        while (true)
        {
            var span = _in.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = span[..lf];
                _start += lf + 1;
                if (line.Length < 4)
                {
                    throw new IOException("short reply line");
                }

                if (line[3] == (byte)'-')
                {
                    continue;
                }

                var code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
                if (code != expected)
                {
                    throw new IOException($"expected {expected}, got: {System.Text.Encoding.ASCII.GetString(line).TrimEnd()}");
                }

                return;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_in, _start, _in, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            var read = await _stream.ReadAsync(_in.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new IOException($"connection closed while waiting for {expected}");
            }

            _end += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        await _network.DisposeAsync();
    }
}
