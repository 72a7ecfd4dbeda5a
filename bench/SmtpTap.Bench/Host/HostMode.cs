using System.Globalization;
using System.Net;
using SmtpTap.Certificates;
using SmtpTap.Core.Hosting;
using SmtpTap.Logging;

namespace SmtpTap.Bench.Host;

/// <summary>
/// The child process: a TapServer (as <c>smtptap proxy</c> composes it) or the byte-copy baseline on
/// 127.0.0.1 port 0. Prints <c>LISTENING port</c>, then answers <c>gc</c> and <c>stats</c> on stdin until stdin closes.
/// </summary>
internal static class HostMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        var host = HostArguments.Parse(args);
        if (host.Kind == "copy")
        {
            await using var relay = new CopyRelay(host.UpstreamPort);
            relay.Start();
            return await ServeAsync(relay.Port);
        }

        using var authority = CertificateAuthority.LoadOrCreate(host.CertDirectory!);
        using var leaves = new LeafCertificateCache(authority, "localhost");
        await using var logger = host.Transcripts is { } dir
            ? LoggingSetup.Create(new OutputOptions { TranscriptDirectory = dir }, TextWriter.Null)
            : new Serilog.LoggerConfiguration().CreateLogger();
        var upstream = new UpstreamEndpoint(host.Upstream == LegMode.Implicit ? UpstreamKind.Smtps : UpstreamKind.Smtp, "127.0.0.1", host.UpstreamPort);
        var options = new TapOptions
        {
            Listeners = [new ListenerEndpoint("127.0.0.1", IPAddress.Loopback, 0, host.Client == LegMode.Implicit)],
            Upstream = upstream,
            UpstreamTls = host.Upstream == LegMode.Plain ? UpstreamTlsPolicy.None : UpstreamTlsPolicy.Required,
            UpstreamTrustedCas = [authority.Certificate],
            Limits = new TapLimits { MaxSessions = 10_000 },
        };
        await using var tap = new TapServer(options, upstream, leaves, logger);
        tap.Start();
        return await ServeAsync(tap.BoundListeners[0].Port);
    }

    private static async Task<int> ServeAsync(int port)
    {
        Console.Out.WriteLine("LISTENING " + port.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is { } command)
        {
            if (command == "gc")
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            }

            Console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"STATS {GC.GetTotalMemory(false)} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {ThreadPool.ThreadCount}"));
            Console.Out.Flush();
        }

        return 0;
    }
}
