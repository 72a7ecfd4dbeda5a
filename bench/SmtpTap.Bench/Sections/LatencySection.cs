using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>Round trip of one command (NOOP) on an established session, direct vs through the tap; p50 and p99.</summary>
internal static class LatencySection
{
    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var table = new ResultTable("Added latency per command round trip (NOOP, one session)", "µs");
        foreach (var mode in new[] { LegMode.Plain, LegMode.StartTls, LegMode.Implicit })
        {
            await using var tap = await context.StartTapAsync(mode, transcripts: false, cancellationToken);
            var paths = new[] { ("direct", context.Sink(mode)), ("tap", tap.EndPoint) };
            var p50 = paths.ToDictionary(p => p.Item1, _ => new List<double>());
            var p99 = paths.ToDictionary(p => p.Item1, _ => new List<double>());
            for (var round = 0; round < context.Settings.Rounds * 2; round++)
            {
                for (var i = 0; i < paths.Length; i++)
                {
                    var (name, endPoint) = paths[(i + round) % paths.Length];
                    var samples = await SampleAsync(context, endPoint, mode, context.Settings.LatencySamples, cancellationToken);
                    p50[name].Add(Stats.Percentile(samples, 50));
                    p99[name].Add(Stats.Percentile(samples, 99));
                }
            }

            var legs = mode.ToString().ToLowerInvariant();
            var direct50 = Stats.Median(p50["direct"]);
            var tap50 = Stats.Median(p50["tap"]);
            var direct99 = Stats.Median(p99["direct"]);
            var tap99 = Stats.Median(p99["tap"]);
            table.Add($"{legs}/{legs} p50", direct50, tap50, "+" + ResultTable.Format(tap50 - direct50) + " µs", "added < 100 µs", ResultTable.Verdict(tap50 - direct50 < 100), Runs(p50));
            table.Add($"{legs}/{legs} p99", direct99, tap99, "+" + ResultTable.Format(tap99 - direct99) + " µs", "-", "-", Runs(p99));
        }

        table.Print();
    }

    private static string Runs(Dictionary<string, List<double>> values) =>
        "runs " + string.Join("/", values["tap"].Select(v => v.ToString("0", CultureInfo.InvariantCulture))) + " vs " + string.Join("/", values["direct"].Select(v => v.ToString("0", CultureInfo.InvariantCulture)));

    private static async Task<double[]> SampleAsync(BenchContext context, IPEndPoint endPoint, LegMode mode, int count, CancellationToken cancellationToken)
    {
        await using var client = await BenchClient.ConnectAsync(endPoint, mode, context.Certificates, cancellationToken);
        for (var i = 0; i < 200; i++)
        {
            await client.NoopAsync(cancellationToken);
        }

        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.NoopAsync(cancellationToken);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        await client.QuitAsync(cancellationToken);
        Array.Sort(samples);
        return samples;
    }
}
