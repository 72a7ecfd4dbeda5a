using System.Net;
using SmtpTap.Bench.Host;
using SmtpTap.Bench.Sink;

namespace SmtpTap.Bench;

/// <summary>What every section shares: settings, the bench CA, and the two sinks (STARTTLS offered, implicit TLS).</summary>
internal sealed class BenchContext : IAsyncDisposable
{
    private BenchContext(BenchSettings settings, BenchCertificates certificates, SinkServer plainSink, SinkServer implicitSink)
    {
        Settings = settings;
        Certificates = certificates;
        PlainSink = plainSink;
        ImplicitSink = implicitSink;
    }

    public BenchSettings Settings { get; }

    public BenchCertificates Certificates { get; }

    /// <summary>Plain listener that offers STARTTLS.</summary>
    public SinkServer PlainSink { get; }

    public SinkServer ImplicitSink { get; }

    public static BenchContext Create(BenchSettings settings)
    {
        var certificates = new BenchCertificates();
        var plain = new SinkServer(certificates.SinkCertificate, implicitTls: false);
        var tls = new SinkServer(certificates.SinkCertificate, implicitTls: true);
        plain.Start();
        tls.Start();
        return new BenchContext(settings, certificates, plain, tls);
    }

    /// <summary>The sink endpoint for a leg mode (the client or the tap connects to it directly).</summary>
    public IPEndPoint Sink(LegMode mode) => mode == LegMode.Implicit ? ImplicitSink.EndPoint : PlainSink.EndPoint;

    /// <summary>A tap process with the same TLS mode on both legs, in front of the matching sink.</summary>
    public Task<HostProcess> StartTapAsync(LegMode mode, bool transcripts, CancellationToken cancellationToken)
    {
        string? dir = null;
        if (transcripts)
        {
            dir = Path.Combine(Certificates.Directory, "transcripts-" + mode + "-" + Guid.NewGuid().ToString("N")[..8]);
        }

        return HostProcess.StartAsync(
            new HostArguments { Kind = "tap", UpstreamPort = Sink(mode).Port, Client = mode, Upstream = mode, CertDirectory = Certificates.CertDirectory, Transcripts = dir },
            cancellationToken);
    }

    public Task<HostProcess> StartCopyRelayAsync(CancellationToken cancellationToken) =>
        HostProcess.StartAsync(new HostArguments { Kind = "copy", UpstreamPort = PlainSink.EndPoint.Port }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await PlainSink.DisposeAsync();
        await ImplicitSink.DisposeAsync();
        Certificates.Dispose();
    }
}
