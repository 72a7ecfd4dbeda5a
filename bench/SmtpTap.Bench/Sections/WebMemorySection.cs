using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Host;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// <c>--only web-memory</c> (issue 14 point 9): many short sessions (connect, EHLO, one small message with its own
/// subject, QUIT) through a real <c>smtptap proxy --web</c> process (default <c>--web-history 1000</c>) while the page
/// and curl watch, and the proxy's memory at checkpoints: after 1,000 sessions (the history just full) and on up to
/// 100,000. At each checkpoint, once no session is open, a full GC is induced in the proxy (EventPipe, as dotnet-gcdump
/// does), then VmRSS is read from /proc and the GC heap from its <c>/metrics</c> (<c>dotnet_total_memory_bytes</c>).
/// </summary>
internal static class WebMemorySection
{
    private const int Concurrency = 32;

    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var total = settings.WebSessionCount;
        int[] checkpoints = [.. new[] { 1_000, 10_000, 50_000 }.Where(n => n < total).Append(total)];
        var upstream = "smtp://127.0.0.1:" + context.PlainSink.EndPoint.Port.ToString(CultureInfo.InvariantCulture);
        await using var proxy = await ProxyProcess.StartAsync(upstream, web: true, ["--upstream-tls", "none"], cancellationToken);
        await using var watchers = await WebWatchers.StartAsync(proxy.WebUrl!, settings.WebBrowser, curl: true, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"proxy pid {proxy.Pid}: smtptap proxy --web (history 1000) -> bench sink, plain legs; {Concurrency} client loops; watchers: {(settings.WebBrowser ? "headless Chromium + curl" : "curl")}"));
        Console.WriteLine();
        Console.WriteLine("### Memory of a real `smtptap proxy --web` process after many sessions");
        Console.WriteLine();
        Console.WriteLine("| sessions | in the web history | sessions/s | VmRSS (MiB) | GC heap (MiB) | VmRSS / at 1,000 | GC heap / at 1,000 | gen2 GCs | web connections |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var done = 0;
        var failures = 0;
        (double Rss, double Heap)? first = null;
        foreach (var checkpoint in checkpoints)
        {
            var clock = Stopwatch.StartNew();
            var count = checkpoint - done;
            failures += await DriveAsync(proxy.EndPoint, done, count, context.Certificates, cancellationToken);
            var rate = count / clock.Elapsed.TotalSeconds;
            done = checkpoint;
            var (rss, heap, gen2, kept) = await SteadyStateAsync(proxy, cancellationToken);
            first ??= (rss, heap);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {checkpoint:N0} | {kept:N0} | {rate:0} | {rss / 1048576:0.0} | {heap / 1048576:0.0} | {rss / first.Value.Rss:0.00} | {heap / first.Value.Heap:0.00} | {gen2:0} | {watchers.OpenConnections()} |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sessions that failed: {failures}; the proxy's peak VmHWM: {ProcStatus.Memory(proxy.Pid).Hwm / 1048576.0:0} MiB"));
    }

    /// <summary>Sessions <paramref name="from"/> to <paramref name="from"/>+<paramref name="count"/>-1 over <see cref="Concurrency"/> loops; returns how many failed.</summary>
    private static async Task<int> DriveAsync(IPEndPoint endPoint, int from, int count, BenchCertificates certificates, CancellationToken cancellationToken)
    {
        var next = from - 1;
        var end = from + count;
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(
            async () =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) < end)
                {
                    try
                    {
                        await using var client = await BenchClient.ConnectAsync(endPoint, LegMode.Plain, certificates, cancellationToken);
                        await client.SendMessageAsync(Message(n), cancellationToken);
                        await client.QuitAsync(cancellationToken);
                    }
                    catch (IOException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            },
            cancellationToken)));
        return failures;
    }

    private static byte[] Message(int n) => Encoding.ASCII.GetBytes(string.Create(
        CultureInfo.InvariantCulture,
        $"From: bench@client.test\r\nTo: sink@sink.test\r\nSubject: web memory session {n}\r\nMessage-ID: <{n}@client.test>\r\n\r\nA short message.\r\n.\r\n"));

    /// <summary>Waits until no session is open, induces a full GC, then reads VmRSS, the GC heap, gen2 GCs so far and the history's size.</summary>
    private static async Task<(double Rss, double Heap, double Gen2, int Kept)> SteadyStateAsync(ProxyProcess proxy, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await proxy.MetricAsync("smtptap_sessions_open", cancellationToken) is > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }

        await InducedGc.CollectAsync(proxy.Pid, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var heap = await proxy.MetricAsync("dotnet_total_memory_bytes", cancellationToken);
        var gen2 = await proxy.MetricAsync("dotnet_collection_count_total{generation=\"2\"}", cancellationToken);
        var rss = ProcStatus.Memory(proxy.Pid).Rss;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var list = JsonDocument.Parse(await http.GetStringAsync(new Uri(proxy.WebUrl!, "/api/sessions?limit=1"), cancellationToken));
        return (rss, heap, gen2, list.RootElement.GetProperty("total").GetInt32());
    }
}
