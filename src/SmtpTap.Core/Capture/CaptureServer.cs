using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Serilog;

namespace SmtpTap.Core.Capture;

/// <summary>
/// A real ESMTP server on loopback that accepts mail and stores each message as an .eml file: the default
/// upstream of SmtpTap and the server behind the proxy in integration tests.
/// </summary>
internal sealed class CaptureServer : IAsyncDisposable
{
    private readonly CaptureServerOptions _options;
    private readonly ILogger _logger;
    private readonly CaptureCommandProcessor _processor;
    private readonly CaptureMessageLog _messages;
    private readonly TimeProvider _timeProvider = TimeProvider.System;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private long _lastSessionId;
    private int _disposed;

    public CaptureServer(CaptureServerOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.ImplicitTls && options.Certificates is null)
        {
            throw new ArgumentException("Implicit TLS needs a certificate source.", nameof(options));
        }

        if (options.MaxMessageSize <= 0 || options.IdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("MaxMessageSize and IdleTimeout must be positive.", nameof(options));
        }

        var unknown = options.AuthMechanisms.FirstOrDefault(m => !SaslMechanisms.IsSupported(m));
        if (unknown is not null)
        {
            throw new ArgumentException("Unsupported AUTH mechanism: " + unknown, nameof(options));
        }

        _options = options;
        _logger = logger.ForContext<CaptureServer>();
        _processor = new CaptureCommandProcessor(options, _timeProvider);
        _messages = new CaptureMessageLog(_logger);
        EndPoint = options.EndPoint;
    }

    public event Action<CapturedMessage>? MessageReceived
    {
        add => _messages.MessageReceived += value;
        remove => _messages.MessageReceived -= value;
    }

    /// <summary>The bound end point (the real port once <see cref="StartAsync"/> returned).</summary>
    public IPEndPoint EndPoint { get; private set; }

    /// <summary>A snapshot of the messages captured so far.</summary>
    public IReadOnlyList<CapturedMessage> Messages => _messages.Snapshot();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("The capture server is already started.");
        }

        _listener = new TcpListener(_options.EndPoint);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _logger.Information("Capture server listening on {EndPoint:l} (TLS: {TlsMode:l})", EndPoint,
            _options.Certificates is null ? "none" : _options.ImplicitTls ? "implicit" : "STARTTLS");
        _acceptLoop = AcceptLoopAsync(_listener, _shutdown.Token);
        return Task.CompletedTask;
    }

    /// <summary>Completes when at least <paramref name="count"/> messages were captured; returns the snapshot at that point.</summary>
    public Task<IReadOnlyList<CapturedMessage>> WaitForMessagesAsync(int count, CancellationToken cancellationToken) =>
        _messages.WaitForAsync(count, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
        _listener?.Dispose();
        _shutdown.Dispose();
        _logger.Information("Capture server on {EndPoint:l} stopped", EndPoint);
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.Warning(ex, "Capture server accept failed on {EndPoint}", EndPoint);
                continue;
            }

            socket.NoDelay = true;
            var sessionId = Interlocked.Increment(ref _lastSessionId);
            var session = new CaptureSession(sessionId, socket, _options, _processor, _messages, _timeProvider, _logger);
            var task = Task.Run(() => session.RunAsync(cancellationToken), CancellationToken.None);
            _sessions[sessionId] = task;
            _ = task.ContinueWith(
                _ => _sessions.TryRemove(sessionId, out Task? _),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
