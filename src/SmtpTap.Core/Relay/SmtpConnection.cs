using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace SmtpTap.Core.Relay;

/// <summary>
/// One leg of a session: a socket, the stream on it (plain or TLS) and a reader over that stream.
/// A TLS upgrade swaps the stream and builds a new reader; the caller must have checked that the old
/// reader held no bytes (plaintext read ahead is never used after the upgrade).
/// </summary>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private const int ReadBufferSize = 32 * 1024;

    /// <summary>Queued (not yet sent) bytes are sent at once past this size.</summary>
    private const int MaxDeferred = 16 * 1024;
    private static readonly SslProtocols s_protocols = SslProtocols.Tls12 | SslProtocols.Tls13;
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _deferred = new();
    private Stream _stream;

    public SmtpConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
        Reader = CreateReader(_stream);
    }

    public PipeReader Reader { get; private set; }

    public SslStream? Tls => _stream as SslStream;

    public bool IsTls => _stream is SslStream;

    /// <summary>The peer; on a PROXY protocol listener the client the header names rather than the proxy.</summary>
    public EndPoint? RemoteEndPoint => ForwardedRemoteEndPoint ?? _socket.RemoteEndPoint;

    /// <summary>The original client from a PROXY header (null: the socket's peer is the client).</summary>
    public EndPoint? ForwardedRemoteEndPoint { get; init; }

    public EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    public long BytesWritten { get; private set; }

    /// <summary>A write that takes longer (a peer that stopped reading) aborts the connection with <see cref="WriteTimeoutException"/>.</summary>
    public TimeSpan WriteTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>True once a write ran past <see cref="WriteTimeout"/> (the connection was then aborted).</summary>
    public bool HasWriteTimedOut { get; private set; }

    public ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken) => WriteAsync(data, flush: true, cancellationToken);

    /// <summary>
    /// Writes <paramref name="data"/>; with <paramref name="flush"/> false the bytes are only queued, to go out
    /// with the next flushing write (one send for a pipelined group). A caller that queues must make sure a
    /// flushing write or <see cref="FlushAsync"/> follows before it waits for anything.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlySequence<byte> data, bool flush, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WriteTimeout);
        try
        {
            await _writeLock.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw WriteTimedOut();
        }

        try
        {
            // Queue what fits: everything when not flushing, or behind bytes already queued so both go in one send.
            if (_deferred.WrittenCount + data.Length <= MaxDeferred && (!flush || _deferred.WrittenCount > 0))
            {
                data.CopyTo(_deferred.GetSpan((int)data.Length));
                _deferred.Advance((int)data.Length);
                BytesWritten += data.Length;
                if (!flush)
                {
                    return;
                }

                data = ReadOnlySequence<byte>.Empty;
            }

            if (_deferred.WrittenCount > 0)
            {
                await WriteDeferredAsync(timeout.Token);
            }

            foreach (var segment in data)
            {
                await _stream.WriteAsync(segment, timeout.Token);
            }

            await _stream.FlushAsync(timeout.Token);
            BytesWritten += data.Length;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw WriteTimedOut();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends whatever <see cref="WriteAsync(ReadOnlySequence{byte}, bool, CancellationToken)"/> queued.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken) =>
        _deferred.WrittenCount == 0 ? ValueTask.CompletedTask : WriteAsync(ReadOnlySequence<byte>.Empty, flush: true, cancellationToken);

    private async ValueTask WriteDeferredAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(_deferred.WrittenMemory, cancellationToken);
        _deferred.ResetWrittenCount();
    }

    private WriteTimeoutException WriteTimedOut()
    {
        HasWriteTimedOut = true;
        Abort();
        return new WriteTimeoutException($"write did not complete within {WriteTimeout.TotalSeconds:0.###} s (the peer stopped reading)");
    }

    /// <summary>Drops the connection at once (RST); pending and later reads and writes fail.</summary>
    public void Abort()
    {
        try
        {
            _socket.Close(0);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        WriteAsync(new ReadOnlySequence<byte>(data), cancellationToken);

    public ValueTask WriteAsync(string text, CancellationToken cancellationToken) =>
        WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>
    /// True if input the caller has not consumed is already here: buffered in the reader or, on a plaintext
    /// leg, waiting in the socket. Used where any such byte is a protocol violation (after STARTTLS, its
    /// 220, or a refused DATA). Must not race a pending read.
    /// </summary>
    public bool HasUnreadInput()
    {
        if (Reader.TryRead(out var result))
        {
            var buffered = !result.Buffer.IsEmpty;
            Reader.AdvanceTo(result.Buffer.Start);
            if (buffered)
            {
                return true;
            }
        }

        if (IsTls)
        {
            return false;
        }

        try
        {
            return _socket.Available > 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Bytes waiting in the socket (TLS records on a TLS leg); 0 if it cannot be known.</summary>
    public long SocketAvailable
    {
        get
        {
            try
            {
                return _socket.Available;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    /// <summary>Server side of a TLS handshake (implicit TLS, or after the tap answered STARTTLS with 220).</summary>
    /// <summary>What the tap can say about the certificate it presents to the client.</summary>
    public const string ClientLegVerdict = "the tap's own certificate (the client checks it against the tap's CA; whether it did is not visible to the tap)";

    public async Task<TlsFacts> UpgradeAsServerAsync(Certificates.IServerCertificateSource certificates, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await Reader.CompleteAsync();
            await FlushAsync(cancellationToken);

            var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
            _stream = ssl;
            await ssl.AuthenticateAsServerAsync(
                static (_, hello, state, _) => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    EnabledSslProtocols = s_protocols,
                    ClientCertificateRequired = false,
                    ServerCertificateContext = ServerCertificateContexts.For(((Certificates.IServerCertificateSource)state!).GetCertificate(hello.ServerName)),
                }),
                certificates,
                cancellationToken);
            Reader = CreateReader(ssl);
            var protocol = ssl.SslProtocol.ToString();
            var cipherSuite = ssl.NegotiatedCipherSuite.ToString();
            return new TlsFacts(protocol, cipherSuite, ssl.LocalCertificate?.Subject, "tap certificate presented; client certificate not requested")
            {
                Certificate = ssl.LocalCertificate is { } presented
                    ? Transcript.TlsLegCertificate.Of(Transcript.TlsLeg.Client, presented, protocol, cipherSuite, Transcript.TlsTrust.NotChecked, ClientLegVerdict)
                    : null,
            };
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Client side of a TLS handshake toward the server; the validator decides and describes.</summary>
    public async Task<TlsFacts> UpgradeAsClientAsync(string targetHost, UpstreamCertificateValidator validator, CancellationToken cancellationToken)
    {
        var facts = await UpgradeAsClientAsync(targetHost, validator.Validate, cancellationToken);
        return facts with { Verification = validator.Verdict, Certificate = validator.Certificate is { } c ? c with { Protocol = facts.Protocol, CipherSuite = facts.CipherSuite } : null };
    }

    /// <summary>Client side of a TLS handshake with a caller-supplied certificate check (the probe records the whole chain).</summary>
    public async Task<TlsFacts> UpgradeAsClientAsync(string targetHost, RemoteCertificateValidationCallback validate, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await Reader.CompleteAsync();
            await FlushAsync(cancellationToken);

            var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
            _stream = ssl;
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                EnabledSslProtocols = s_protocols,
                RemoteCertificateValidationCallback = validate,
            };
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            Reader = CreateReader(ssl);
            return TlsFacts.From(ssl, string.Empty);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Stops sending (TCP FIN) after the last write, so the peer sees a clean end.</summary>
    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Sends FIN after the last write and closes the socket, without touching <see cref="Reader"/>: a read pending on
    /// another task ends with an exception (or the end of the stream) instead of racing a completed reader. Dispose later.
    /// </summary>
    public void Disconnect()
    {
        ShutdownSend();
        try
        {
            _socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Reader.CompleteAsync();
        }
        catch (InvalidOperationException)
        {
        }

        if (_stream is SslStream ssl)
        {
            await ssl.DisposeAsync();
        }

        await _network.DisposeAsync();
        _writeLock.Dispose();
    }

    private static PipeReader CreateReader(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
}
