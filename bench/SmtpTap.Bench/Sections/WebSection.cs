using System.Globalization;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Host;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// <c>--only web</c> (issue 14 point 9): the throughput load (10 KB messages, 50 persistent sessions, plain legs) through
/// two real <c>smtptap proxy</c> processes started alike, one without <c>--web</c> and one with <c>--web</c> while headless
/// Chromium has the sessions page open and curl reads <c>/api/events</c>. Runs alternate between the two (off, on, on,
/// off, ...) so that the machine's other load hits both alike; once with the bench sink as upstream and once with the
/// built-in capture server (as <c>smtptap proxy</c> runs by default: STARTTLS to it, each message stored as .eml).
/// </summary>
internal static class WebSection
{
    private const int Concurrency = 50;
    private const double Goal = 0.90;

    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var content = MessageContent.WithEnd(10 * 1024);
        var watching = settings.WebBrowser ? "headless Chromium on the page + curl on /api/events" : "curl on /api/events";
        Console.WriteLine($"web watchers: {watching}; {settings.WebRounds} round(s) of {settings.LoadDuration.TotalSeconds:0.#} s per proxy and upstream, alternating");
        var table = new ResultTable($"Throughput with the web UI watched: 10 KB messages, c={Concurrency}, plain legs, real smtptap proxy processes", "msg/s", "--web off", "--web on");
        var upstreams = new (string Name, string Url, string[] Extra)[]
        {
            ("bench sink", "smtp://127.0.0.1:" + context.PlainSink.EndPoint.Port.ToString(CultureInfo.InvariantCulture), ["--upstream-tls", "none"]),
            ("capture server", "capture", []),
        };
        foreach (var (name, url, extra) in upstreams)
        {
            await using var off = await ProxyProcess.StartAsync(url, web: false, extra, cancellationToken);
            await using var on = await ProxyProcess.StartAsync(url, web: true, extra, cancellationToken);
            await using var watchers = await WebWatchers.StartAsync(on.WebUrl!, settings.WebBrowser, curl: true, cancellationToken);
            await MeasureAsync(context, table, name, off, on, watchers, content, cancellationToken);
        }

        table.Print();
    }

    private static async Task MeasureAsync(BenchContext context, ResultTable table, string upstream, ProxyProcess off, ProxyProcess on, WebWatchers watchers, byte[] content, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var proxies = new[] { off, on };
        var rates = new[] { new List<double>(), new List<double>() };
        var cpu = new[] { new List<double>(), new List<double>() };
        var watcherCpu = new List<double>();
        var connectionsAtStart = watchers.OpenConnections();
        var fewestConnections = connectionsAtStart;
        foreach (var proxy in proxies)
        {
            await LoadRun.MessagesPerSecondAsync(proxy.EndPoint, LegMode.Plain, Concurrency, TimeSpan.FromSeconds(0.5), content, context.Certificates, cancellationToken);
        }

        for (var round = 0; round < settings.WebRounds; round++)
        {
            // off, on, on, off, off, on, ...: each proxy goes first as often as second.
            foreach (var which in round % 2 == 0 ? new[] { 0, 1 } : [1, 0])
            {
                var proxy = proxies[which];
                proxy.ClearCaptured();
                var proxyCpu = ProcStatus.CpuTime(proxy.Pid);
                var watchersBefore = watchers.CpuTime();
                var rate = await LoadRun.MessagesPerSecondAsync(proxy.EndPoint, LegMode.Plain, Concurrency, settings.LoadDuration, content, context.Certificates, cancellationToken);
                var messages = rate * settings.LoadDuration.TotalSeconds;
                rates[which].Add(rate);
                cpu[which].Add((ProcStatus.CpuTime(proxy.Pid) - proxyCpu).TotalMicroseconds / messages);
                if (which == 1)
                {
                    watcherCpu.Add((watchers.CpuTime() - watchersBefore).TotalMicroseconds / messages);
                    fewestConnections = Math.Min(fewestConnections, watchers.OpenConnections());
                }
            }
        }

        var gc = new string[2];
        for (var which = 0; which < 2; which++)
        {
            var proxy = proxies[which];
            var gen0 = await proxy.MetricAsync("dotnet_collection_count_total{generation=\"0\"}", cancellationToken);
            var gen2 = await proxy.MetricAsync("dotnet_collection_count_total{generation=\"2\"}", cancellationToken);
            var heap = await proxy.MetricAsync("dotnet_total_memory_bytes", cancellationToken);
            gc[which] = string.Create(CultureInfo.InvariantCulture, $"{gen0:0}/{gen2:0} gen0/gen2 GCs, GC heap {heap / 1048576:0} MiB, VmRSS {ProcStatus.Memory(proxy.Pid).Rss / 1048576.0:0} MiB");
        }

        var offRate = Stats.Median(rates[0]);
        var onRate = Stats.Median(rates[1]);
        var inv = CultureInfo.InvariantCulture;
        var note = string.Create(
            inv,
            $"proxy CPU {Stats.Median(cpu[0]):0} µs/msg off, {Stats.Median(cpu[1]):0} µs/msg on; watchers' CPU {Stats.Median(watcherCpu):0} µs/msg; web connections open {connectionsAtStart} at start, at least {fewestConnections} after every run; runs {Runs(rates[1])} (on) vs {Runs(rates[0])} (off); at the end: off {gc[0]}, on {gc[1]}");
        table.Add($"upstream: {upstream}", offRate, onRate, ResultTable.Ratio(onRate, offRate), $"≥ {Goal:0.00}", ResultTable.Verdict(onRate / offRate >= Goal), note);

        static string Runs(List<double> values) => string.Join("/", values.Select(r => r.ToString("0", CultureInfo.InvariantCulture)));
    }
}
