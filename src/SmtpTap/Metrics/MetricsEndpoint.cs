using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Prometheus;
using SmtpTap.Core.Hosting;

namespace SmtpTap.Metrics;

/// <summary>
/// <c>smtptap proxy --metrics HOST:PORT</c>: a small Kestrel server with <c>/healthz</c> (the listeners are bound and the
/// upstream accepts a TCP connection within a timeout: 200, else 503 with the reason) and <c>/metrics</c> (Prometheus
/// text format by prometheus-net, which exports the tap's System.Diagnostics.Metrics instruments and the process's
/// own .NET metrics).
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private static readonly TimeSpan s_upstreamProbeTimeout = TimeSpan.FromSeconds(3);
    private static IDisposable? s_meterAdapter;
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<MetricsEndpoint> StartAsync(IPEndPoint endPoint, Func<bool> listening, string upstreamHost, int upstreamPort, CancellationToken cancellationToken)
    {
        // Publish the tap's own meter (System.Diagnostics.Metrics) through prometheus-net's adapter.
        s_meterAdapter ??= MeterAdapter.StartListening(new MeterAdapterOptions
        {
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == TapMetrics.MeterName,
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(endPoint, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.MapGet("/healthz", async (HttpContext http) =>
        {
            var (ok, detail) = await CheckAsync(listening, upstreamHost, upstreamPort, http.RequestAborted);
            http.Response.StatusCode = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            await http.Response.WriteAsJsonAsync(new HealthReport(ok ? "ok" : "unhealthy", detail), HealthJsonContext.Default.HealthReport, contentType: null, http.RequestAborted);
        });
        app.MapMetrics("/metrics");
        await app.StartAsync(cancellationToken);
        var bound = app.Urls.Select(u => new Uri(u)).First();
        return new MetricsEndpoint(app, bound);
    }

    private static async Task<(bool Ok, string Detail)> CheckAsync(Func<bool> listening, string host, int port, CancellationToken cancellationToken)
    {
        if (!listening())
        {
            return (false, "the listeners are not bound");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_upstreamProbeTimeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(host, port, timeout.Token);
            return (true, $"listening; upstream {host}:{port} reachable");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"upstream {host}:{port} did not accept a connection within {s_upstreamProbeTimeout.TotalSeconds:0} s");
        }
        catch (SocketException ex)
        {
            return (false, $"upstream {host}:{port} unreachable: {ex.SocketErrorCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
