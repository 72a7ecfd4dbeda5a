using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Host;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// Messages per second, 10 KB, persistent sessions at concurrency 1 and 50: direct to the sink, through
/// the tap with transcripts off and on (files), and (plain only) through the byte-copy relay. Paths rotate each round.
/// </summary>
internal static class ThroughputSection
{
    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var content = MessageContent.WithEnd(10 * 1024);
        var table = new ResultTable("Throughput: 10 KB messages over persistent sessions", "msg/s");
        foreach (var mode in new[] { LegMode.Plain, LegMode.StartTls, LegMode.Implicit })
        {
            await using var tapOff = await context.StartTapAsync(mode, transcripts: false, cancellationToken);
            await using var tapOn = await context.StartTapAsync(mode, transcripts: true, cancellationToken);
            var copy = mode == LegMode.Plain ? await context.StartCopyRelayAsync(cancellationToken) : null;
            try
            {
                var paths = new List<(string Name, IPEndPoint EndPoint, HostProcess? Process)>
                {
                    ("direct", context.Sink(mode), null),
                    ("tap", tapOff.EndPoint, tapOff),
                    ("tap+transcripts", tapOn.EndPoint, tapOn),
                };
                if (copy is not null)
                {
                    paths.Add(("copy relay", copy.EndPoint, copy));
                }

                foreach (var concurrency in new[] { 1, 50 })
                {
                    await MeasureAsync(context, table, mode, concurrency, paths, content, cancellationToken);
                }
            }
            finally
            {
                if (copy is not null)
                {
                    await copy.DisposeAsync();
                }
            }
        }

        table.Print();
    }

    private static async Task MeasureAsync(BenchContext context, ResultTable table, LegMode mode, int concurrency, List<(string Name, IPEndPoint EndPoint, HostProcess? Process)> paths, byte[] content, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var rates = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var cpu = paths.ToDictionary(p => p.Name, _ => new List<double>());
        var benchCpu = paths.ToDictionary(p => p.Name, _ => new List<double>());
        foreach (var (_, endPoint, _) in paths)
        {
            await LoadRun.MessagesPerSecondAsync(endPoint, mode, concurrency, TimeSpan.FromSeconds(0.3), content, context.Certificates, cancellationToken);
        }

        for (var round = 0; round < settings.Rounds; round++)
        {
            for (var i = 0; i < paths.Count; i++)
            {
                var (name, endPoint, process) = paths[(i + round) % paths.Count];
                var processCpu = process is null ? TimeSpan.Zero : ProcStatus.CpuTime(process.Pid);
                var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var rate = await LoadRun.MessagesPerSecondAsync(endPoint, mode, concurrency, settings.LoadDuration, content, context.Certificates, cancellationToken);
                var messages = rate * settings.LoadDuration.TotalSeconds;
                rates[name].Add(rate);
                benchCpu[name].Add((Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalMicroseconds / messages);
                if (process is not null)
                {
                    cpu[name].Add((ProcStatus.CpuTime(process.Pid) - processCpu).TotalMicroseconds / messages);
                }
            }
        }

        var direct = Stats.Median(rates["direct"]);
        var legs = mode switch
        {
            LegMode.Plain => "plain/plain",
            LegMode.StartTls => "STARTTLS/STARTTLS",
            _ => "implicit/implicit",
        };
        var goal = mode == LegMode.Plain ? 0.90 : 0.80;
        foreach (var (name, _, _) in paths.Skip(1))
        {
            var tap = Stats.Median(rates[name]);
            var targeted = concurrency == 50 && name != "copy relay";
            var note = string.Create(
                CultureInfo.InvariantCulture,
                $"relay CPU {Stats.Median(cpu[name]):0} µs/msg, client+sink CPU {Stats.Median(benchCpu[name]):0} µs/msg (direct {Stats.Median(benchCpu["direct"]):0}); runs {string.Join("/", rates[name].Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} vs {string.Join("/", rates["direct"].Select(r => r.ToString("0", CultureInfo.InvariantCulture)))}");
            table.Add(
                $"{legs} c={concurrency} {name}",
                direct,
                tap,
                ResultTable.Ratio(tap, direct),
                targeted ? $"≥ {goal:0.00}" : "-",
                targeted ? ResultTable.Verdict(tap / direct >= goal) : (name == "copy relay" ? "floor" : "-"),
                note);
        }
    }
}
