using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SmtpTap.Certificates;
using SmtpTap.Core.ProxyProtocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.Core.Hosting;

/// <summary>
/// Accepts clients on every listener and runs one <see cref="TapSession"/> each, concurrently. A broken
/// session never affects another; past the session cap new clients get 421 and are closed.
/// <see cref="StopAsync"/> stops gracefully: new clients get 421, idle sessions are told 421, a message in
/// progress may finish within the drain period; disposing cuts every remaining session at once.
/// </summary>
internal sealed class TapServer : IAsyncDisposable
{
    /// <summary>What a client that connects while the tap stops is told.</summary>
    internal const string StoppingReply = "421 4.3.2 smtptap: shutting down, try again later\r\n";

    private readonly TapOptions _options;
    private readonly UpstreamEndpoint _upstream;
    private readonly IServerCertificateSource _certificates;
    private readonly Serilog.ILogger _logger;
    private readonly List<(ListenerEndpoint Endpoint, Socket Socket)> _listeners = [];
    private readonly ConcurrentDictionary<long, Task> _sessions = new();
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _acceptLoops = [];
    private long _sessionCounter;
    private int _disposed;

    public TapServer(TapOptions options, UpstreamEndpoint resolvedUpstream, IServerCertificateSource certificates, Serilog.ILogger logger)
    {
        _options = options;
        _upstream = resolvedUpstream;
        _certificates = certificates;
        _logger = logger;
    }

    /// <summary>The bound listeners (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<ListenerEndpoint> BoundListeners { get; private set; } = [];

    public int ActiveSessions => _sessions.Count;

    public void Start()
    {
        var bound = new List<ListenerEndpoint>();
        foreach (var endpoint in _options.Listeners)
        {
            var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            try
            {
                socket.Bind(new IPEndPoint(endpoint.Address, endpoint.Port));
                socket.Listen(512);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                throw ListenerBindException.For(endpoint, ex);
            }

            var actual = endpoint with { Port = ((IPEndPoint)socket.LocalEndPoint!).Port };
            _listeners.Add((actual, socket));
            bound.Add(actual);
        }

        BoundListeners = bound;
        foreach (var (endpoint, socket) in _listeners)
        {
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(endpoint, socket, _stop.Token)));
        }
    }

    private async Task AcceptLoopAsync(ListenerEndpoint endpoint, Socket listener, CancellationToken cancellationToken)
    {
        var connector = new UpstreamConnector(_options, _upstream);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.Warning("Accept failed on {Listener:l}: {Error:l}", endpoint.Url, ex.Message);
                continue;
            }

            if (_stopping.IsCancellationRequested)
            {
                _logger.Information("Stopping: refusing {ClientEndPoint:l} with 421", client.RemoteEndPoint?.ToString());
                _ = RefuseAsync(client, StoppingReply);
                continue;
            }

            var id = Interlocked.Increment(ref _sessionCounter);
            if (_sessions.Count >= _options.Limits.MaxSessions)
            {
                _logger.Warning("Session limit {MaxSessions} reached; refusing {ClientEndPoint:l}", _options.Limits.MaxSessions, client.RemoteEndPoint?.ToString());
                TapMetrics.Refused("max-sessions");
                _ = RefuseAsync(client, "421 4.3.2 smtptap: too many sessions, try again later\r\n");
                continue;
            }

            if (endpoint.ProxyProtocol != ProxyProtocolVersion.None)
            {
                // The client's address (per-address cap, transcript) is known only once the header is read.
                var admitted = AdmitProxiedAsync(endpoint, connector, client, id, cancellationToken);
                _sessions[id] = admitted;
                _ = admitted.ContinueWith(_ => _sessions.TryRemove(id, out Task? _), TaskScheduler.Default);
                continue;
            }

            var address = (client.RemoteEndPoint as IPEndPoint)?.Address;
            if (!TryEnterAddress(address))
            {
                _logger.Warning("Per-address session limit {MaxSessionsPerAddress} reached; refusing {ClientEndPoint:l}", _options.Limits.MaxSessionsPerAddress, client.RemoteEndPoint?.ToString());
                TapMetrics.Refused("max-sessions-per-ip");
                _ = RefuseAsync(client, "421 4.7.0 smtptap: too many sessions from your address, try again later\r\n");
                continue;
            }

            var sessionId = "s" + id.ToString("D4", CultureInfo.InvariantCulture);
            var session = new TapSession(_options, endpoint, connector, _certificates, _logger, sessionId) { Stopping = _stopping.Token };
            var task = RunSessionAsync(session, client, cancellationToken);
            _sessions[id] = task;
            _ = task.ContinueWith(
                _ =>
                {
                    LeaveAddress(address);
                    _sessions.TryRemove(id, out Task? _);
                },
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// A PROXY protocol listener: the peer must be a trusted proxy and send a valid header in time, else the
    /// connection is closed without a greeting. The session then runs as the client the header names.
    /// </summary>
    private async Task AdmitProxiedAsync(ListenerEndpoint endpoint, UpstreamConnector connector, Socket client, long id, CancellationToken cancellationToken)
    {
        await Task.Yield();
        ProxyAdmission admission;
        try
        {
            admission = await ProxyAdmission.AdmitAsync(client, endpoint.ProxyProtocol, _options.TrustedProxies, _options.Limits.ProxyHeaderTimeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            client.Dispose();
            return;
        }

        if (admission.Header is null)
        {
            _logger.Warning("Refused {ProxyEndPoint:l} on {Listener:l} without a greeting: {Reason:l}", admission.Proxy?.ToString(), endpoint.Url, admission.Refusal);
            client.Dispose();
            return;
        }

        var address = admission.Client?.Address;
        if (!TryEnterAddress(address))
        {
            _logger.Warning("Per-address session limit {MaxSessionsPerAddress} reached; refusing {ClientEndPoint:l} (through proxy {ProxyEndPoint:l})", _options.Limits.MaxSessionsPerAddress, admission.Client?.ToString(), admission.Proxy?.ToString());
            await RefuseAsync(client, "421 4.7.0 smtptap: too many sessions from your address, try again later\r\n");
            return;
        }

        try
        {
            var session = new TapSession(_options, endpoint, connector, _certificates, _logger, "s" + id.ToString("D4", CultureInfo.InvariantCulture));
            await RunSessionAsync(session, client, cancellationToken, admission);
        }
        finally
        {
            LeaveAddress(address);
        }
    }

    private async Task RunSessionAsync(TapSession session, Socket client, CancellationToken cancellationToken, ProxyAdmission? proxied = null)
    {
        await Task.Yield();
        try
        {
            await session.RunAsync(client, proxied, cancellationToken);
        }
        catch (Exception ex)
        {
            _logger.Error("Session failed unexpectedly: {Error:l}", Relay.InternalError.Describe(ex));
        }
    }

    private bool TryEnterAddress(IPAddress? address)
    {
        var limit = _options.Limits.MaxSessionsPerAddress;
        if (limit <= 0 || address is null)
        {
            return true;
        }

        var entered = false;
        _perAddress.AddOrUpdate(address, _ => { entered = true; return 1; }, (_, n) => { entered = n < limit; return entered ? n + 1 : n; });
        return entered;
    }

    private void LeaveAddress(IPAddress? address)
    {
        if (_options.Limits.MaxSessionsPerAddress <= 0 || address is null)
        {
            return;
        }

        var remaining = _perAddress.AddOrUpdate(address, 0, (_, n) => n - 1);
        if (remaining <= 0)
        {
            _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    private static async Task RefuseAsync(Socket client, string reply)
    {
        using (client)
        {
            try
            {
                await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(reply), SocketFlags.None);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
        }
    }

    /// <summary>
    /// Graceful stop: from now on new clients get <see cref="StoppingReply"/>, and each session answers 421 as soon as
    /// it waits for a command (a message in progress finishes first). Returns when every session has ended, or when
    /// <paramref name="drainTimeout"/> passes or <paramref name="abort"/> fires; then the remaining sessions are cut and
    /// the listeners closed. Returns how many sessions were cut.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan drainTimeout, CancellationToken abort)
    {
        await _stopping.CancelAsync();
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(abort);
        drain.CancelAfter(drainTimeout);
        try
        {
            while (_sessions.Values.Where(t => !t.IsCompleted).ToArray() is { Length: > 0 } open)
            {
                await Task.WhenAll(open).WaitAsync(drain.Token);
            }
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
        }

        var cut = _sessions.Values.Count(t => !t.IsCompleted);
        await DisposeAsync();
        return cut;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _stop.CancelAsync();
        foreach (var (_, socket) in _listeners)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_acceptLoops);
        await Task.WhenAll(_sessions.Values);
        _stop.Dispose();
        _stopping.Dispose();
    }
}
