using System.Text;

namespace SmtpTap.Bench.Sink;

/// <summary>
/// One sink conversation on a stream: commands answered from a parse of each read, replies for a whole
/// read written at once, DATA scanned for CRLF.CRLF and thrown away. Returns after QUIT or STARTTLS.
/// </summary>
internal sealed class SinkSession(Stream stream, bool offerStartTls)
{
    private static readonly byte[] s_greeting = "220 sink.bench ESMTP\r\n"u8.ToArray();
    private static readonly byte[] s_ehloTls = Encoding.ASCII.GetBytes("250-sink.bench\r\n250-PIPELINING\r\n250-SIZE 0\r\n250-STARTTLS\r\n250-8BITMIME\r\n250 CHUNKING\r\n");
    private static readonly byte[] s_ehlo = Encoding.ASCII.GetBytes("250-sink.bench\r\n250-PIPELINING\r\n250-SIZE 0\r\n250-8BITMIME\r\n250 CHUNKING\r\n");
    private static readonly byte[] s_ok = "250 2.0.0 Ok\r\n"u8.ToArray();
    private static readonly byte[] s_data = "354 End data with <CR><LF>.<CR><LF>\r\n"u8.ToArray();
    private static readonly byte[] s_queued = "250 2.0.0 Ok: queued as BENCH\r\n"u8.ToArray();
    private static readonly byte[] s_ready = "220 2.0.0 Ready to start TLS\r\n"u8.ToArray();
    private static readonly byte[] s_bye = "221 2.0.0 Bye\r\n"u8.ToArray();

    private readonly byte[] _in = new byte[64 * 1024];
    private readonly MemoryStream _out = new(4096);
    private int _start;
    private int _end;
    private bool _inData;
    private int _match;
    private long _bdatLeft;
    private bool _done;

    public bool StartTlsRequested { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!_done)
        {
            var read = await stream.ReadAsync(_in.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                return;
            }

            _end += read;
            Process();
            if (_out.Length > 0)
            {
                await stream.WriteAsync(_out.GetBuffer().AsMemory(0, (int)_out.Length), cancellationToken);
                _out.SetLength(0);
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }
            else if (_end == _in.Length)
            {
                Buffer.BlockCopy(_in, _start, _in, 0, _end - _start);
                _end -= _start;
                _start = 0;
                if (_end == _in.Length)
                {
                    throw new IOException("command line longer than the sink's buffer");
                }
            }
        }
    }

    /// <summary>Writes the greeting; only for a fresh conversation (not after STARTTLS).</summary>
    public ValueTask GreetAsync(CancellationToken cancellationToken) => stream.WriteAsync(s_greeting, cancellationToken);

    private void Process()
    {
        while (_start < _end && !_done)
        {
            if (_bdatLeft > 0)
            {
                var take = (int)Math.Min(_bdatLeft, _end - _start);
                _start += take;
                _bdatLeft -= take;
                continue;
            }

            if (_inData)
            {
                ScanData();
                continue;
            }

            var span = _in.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf < 0)
            {
                return;
            }

            var line = span[..lf].TrimEnd((byte)'\r');
            _start += lf + 1;
            Command(line);
        }
    }

    private void ScanData()
    {
        // Pattern CRLF.CRLF; _match counts the bytes matched so far (DATA starts at a line start: 2 matched).
        var span = _in.AsSpan(_start, _end - _start);
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            _match = (_match, b) switch
            {
                (0, (byte)'\r') => 1,
                (1, (byte)'\n') => 2,
                (2, (byte)'.') => 3,
                (3, (byte)'\r') => 4,
                (4, (byte)'\n') => 5,
                (_, (byte)'\r') => 1,
                _ => 0,
            };
            if (_match == 5)
            {
                _start += i + 1;
                _inData = false;
                _match = 0;
                _out.Write(s_queued);
                return;
            }
        }

        _start = _end;
    }

    private void Command(ReadOnlySpan<byte> line)
    {
        var verb = line.Length >= 4 ? line[..4] : line;
        if (Is(verb, "EHLO"u8))
        {
            _out.Write(offerStartTls ? s_ehloTls : s_ehlo);
        }
        else if (Is(verb, "DATA"u8))
        {
            _inData = true;
            _match = 2;
            _out.Write(s_data);
        }
        else if (Is(verb, "BDAT"u8))
        {
            var parts = Encoding.ASCII.GetString(line).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            _bdatLeft = parts.Length > 1 && long.TryParse(parts[1], out var size) ? size : 0;
            _out.Write(parts.Length > 2 ? s_queued : s_ok);
        }
        else if (Is(verb, "STAR"u8) && offerStartTls)
        {
            _out.Write(s_ready);
            StartTlsRequested = true;
            _done = true;
        }
        else if (Is(verb, "QUIT"u8))
        {
            _out.Write(s_bye);
            _done = true;
        }
        else
        {
            _out.Write(s_ok);
        }
    }

    private static bool Is(ReadOnlySpan<byte> verb, ReadOnlySpan<byte> name) =>
        verb.Length == 4 && System.Text.Ascii.EqualsIgnoreCase(verb, name);
}
