using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using SmtpTap.Certificates;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>
/// One client connection of the capture server: socket, current stream (plain or TLS), a PipeReader over it and a
/// reply buffer. Replies are queued and flushed whenever the server is about to wait for input (RFC 2920 §3.2).
/// Every wait is bounded by the idle timeout. A TLS upgrade drops the old reader and anything it had read ahead.
/// </summary>
internal sealed class CaptureConnection : IAsyncDisposable
{
    private const int ScratchSize = 64 * 1024;

    /// <summary>Queued reply bytes that force a flush even while pipelined input is still buffered.</summary>
    private const int MaxPendingOutput = 16 * 1024;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly StreamPipeReaderOptions s_readerOptions = new(bufferSize: 32 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true);

    private readonly NetworkStream _network;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationToken _sessionToken;
    private readonly CancellationTokenSource _idle;
    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private readonly CommandLineFramer _framer = new();
    private Stream _stream;
    private PipeReader _reader;
    private bool _hasUnexaminedInput;

    public CaptureConnection(Socket socket, TimeSpan idleTimeout, CancellationToken sessionToken)
    {
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
        _reader = PipeReader.Create(_stream, s_readerOptions);
        _idleTimeout = idleTimeout;
        _sessionToken = sessionToken;
        _idle = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
    }

    public SslProtocols? TlsProtocol { get; private set; }

    /// <summary>True when the last wait ended because the idle timeout expired (not because the server stops).</summary>
    public bool IdleTimedOut => _idle.IsCancellationRequested && !_sessionToken.IsCancellationRequested;

    public void QueueReply(SmtpReply reply)
    {
        var text = reply.ToWireString();
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    public async ValueTask FlushAsync()
    {
        if (_output.WrittenCount == 0)
        {
            return;
        }

        Arm();
        await _stream.WriteAsync(_output.WrittenMemory, _idle.Token).ConfigureAwait(false);
        await _stream.FlushAsync(_idle.Token).ConfigureAwait(false);
        Disarm();
        _output.ResetWrittenCount();
    }

    /// <summary>Best-effort last words (421 on timeout or shutdown) with their own short deadline.</summary>
    public async ValueTask SendFinalReplyAsync(SmtpReply reply, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            _output.ResetWrittenCount();
            QueueReply(reply);
            await _stream.WriteAsync(_output.WrittenMemory, deadline.Token).ConfigureAwait(false);
            await _stream.FlushAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            // The peer is gone or stuck; nothing more to say.
        }
        finally
        {
            _output.ResetWrittenCount();
        }
    }

    public async ValueTask<CommandLineRead> ReadLineAsync(bool inAuthExchange)
    {
        while (true)
        {
            var result = await ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = _framer.TryReadLine(ref buffer, inAuthExchange, out var line);
            if (status == CommandLineStatus.NeedMore)
            {
                _reader.AdvanceTo(buffer.Start, result.Buffer.End);
                _hasUnexaminedInput = false;
                if (result.IsCompleted)
                {
                    return new CommandLineRead(CommandLineStatus.EndOfInput, null);
                }

                continue;
            }

            string? text = null;
            if (status == CommandLineStatus.Line)
            {
                try
                {
                    text = s_strictUtf8.GetString(line);
                }
                catch (DecoderFallbackException)
                {
                    status = CommandLineStatus.InvalidUtf8;
                }
            }

            _hasUnexaminedInput = buffer.Length > 0;
            _reader.AdvanceTo(buffer.Start);
            return new CommandLineRead(status, text);
        }
    }

    /// <summary>
    /// Reads dot-stuffed DATA content up to CRLF.CRLF, writing unstuffed bytes to <paramref name="writer"/> until
    /// <paramref name="maxSize"/> is exceeded (the rest is read and dropped). False if the client went away first.
    /// </summary>
    public async ValueTask<(bool Completed, bool TooBig)> ReceiveDataAsync(DotUnstuffer decoder, CaptureMessageWriter writer, long maxSize)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(ScratchSize + 1);
        try
        {
            var total = 0L;
            var tooBig = false;
            while (true)
            {
                var result = await ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = 0L;
                foreach (var segment in buffer)
                {
                    var remaining = segment;
                    while (!remaining.IsEmpty && !decoder.IsComplete)
                    {
                        var slice = remaining[..Math.Min(remaining.Length, ScratchSize)];
                        var (read, written) = decoder.Decode(slice.Span, scratch);
                        consumed += read;
                        remaining = remaining[read..];
                        total += written;
                        tooBig |= total > maxSize;
                        if (written > 0 && !tooBig)
                        {
                            await writer.WriteAsync(scratch.AsMemory(0, written), _idle.Token).ConfigureAwait(false);
                        }
                    }

                    if (decoder.IsComplete)
                    {
                        break;
                    }
                }

                var position = buffer.GetPosition(consumed);
                _reader.AdvanceTo(position);
                _hasUnexaminedInput = consumed < buffer.Length;
                if (decoder.IsComplete)
                {
                    return (true, tooBig);
                }

                if (result.IsCompleted)
                {
                    return (false, tooBig);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (a BDAT chunk) into <paramref name="writer"/>, or drops them if it is null.</summary>
    public async ValueTask<bool> ReceiveChunkAsync(long count, CaptureMessageWriter? writer)
    {
        var remaining = count;
        while (remaining > 0)
        {
            var result = await ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            var chunk = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            if (writer is not null)
            {
                foreach (var segment in chunk)
                {
                    await writer.WriteAsync(segment, _idle.Token).ConfigureAwait(false);
                }
            }

            remaining -= chunk.Length;
            _reader.AdvanceTo(chunk.End);
            _hasUnexaminedInput = buffer.Length > chunk.Length;
            if (remaining > 0 && result.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Runs the server TLS handshake on the raw socket stream. Anything the old reader had buffered (plaintext sent
    /// after STARTTLS) is dropped and never executed; its length is returned for logging.
    /// </summary>
    public async Task<long> UpgradeToTlsAsync(IServerCertificateSource certificates)
    {
        await FlushAsync().ConfigureAwait(false);
        var discarded = 0L;
        if (_reader.TryRead(out var pending))
        {
            discarded = pending.Buffer.Length;
            _reader.AdvanceTo(pending.Buffer.End);
        }

        await _reader.CompleteAsync().ConfigureAwait(false);
        _hasUnexaminedInput = false;

        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateSelectionCallback = (_, serverName) => certificates.GetCertificate(serverName),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        try
        {
            Arm();
            await ssl.AuthenticateAsServerAsync(options, _idle.Token).ConfigureAwait(false);
            Disarm();
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _stream = ssl;
        _reader = PipeReader.Create(ssl, s_readerOptions);
        TlsProtocol = ssl.SslProtocol;
        return discarded;
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        if (!ReferenceEquals(_stream, _network))
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        await _network.DisposeAsync().ConfigureAwait(false);
        _idle.Dispose();
    }

    private async ValueTask<ReadResult> ReadAsync()
    {
        // Flush before blocking (RFC 2920 §3.2), and also when a client keeps pipelining without reading replies,
        // so the reply buffer stays bounded (the write then times out like any other wait).
        if (!_hasUnexaminedInput || _output.WrittenCount > MaxPendingOutput)
        {
            await FlushAsync().ConfigureAwait(false);
        }

        Arm();
        var result = await _reader.ReadAsync(_idle.Token).ConfigureAwait(false);
        Disarm();
        return result;
    }

    private void Arm() => _idle.CancelAfter(_idleTimeout);

    private void Disarm() => _idle.CancelAfter(Timeout.InfiniteTimeSpan);
}
