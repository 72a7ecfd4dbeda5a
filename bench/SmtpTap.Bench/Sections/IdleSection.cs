using System.Globalization;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// The tap's memory per idle TLS session: a fresh tap process, N sessions with STARTTLS on both legs
/// and EHLO done, then resident memory compared with the warmed-up idle process.
/// </summary>
internal static class IdleSection
{
    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var count = context.Settings.IdleSessions;
        var table = new ResultTable($"Memory of {count} idle sessions (STARTTLS both legs; plain legs for comparison)", "KiB/session");
        await MeasureAsync(context, table, LegMode.StartTls, count, cancellationToken);
        await MeasureAsync(context, table, LegMode.Plain, count, cancellationToken);
        table.Print();
    }

    private static async Task MeasureAsync(BenchContext context, ResultTable table, LegMode mode, int count, CancellationToken cancellationToken)
    {
        var legs = mode == LegMode.StartTls ? "TLS" : "plain";
        await using var tap = await context.StartTapAsync(mode, transcripts: false, cancellationToken);
        for (var i = 0; i < 3; i++)
        {
            var warm = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => BenchClient.ConnectAsync(tap.EndPoint, mode, context.Certificates, cancellationToken)));
            foreach (var client in warm)
            {
                await client.QuitAsync(cancellationToken);
                await client.DisposeAsync();
            }
        }

        await Task.Delay(500, cancellationToken);
        var before = await tap.StatsAsync(collect: true, cancellationToken);
        var clients = new List<BenchClient>(count);
        try
        {
            for (var opened = 0; opened < count; opened += 16)
            {
                clients.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(16, count - opened)).Select(_ => BenchClient.ConnectAsync(tap.EndPoint, mode, context.Certificates, cancellationToken))));
            }

            await Task.Delay(1000, cancellationToken);
            var loaded = await tap.StatsAsync(collect: false, cancellationToken);
            var collected = await tap.StatsAsync(collect: true, cancellationToken);
            var perSession = (collected.Rss - before.Rss) / 1024.0 / count;
            var perSessionNoGc = (loaded.Rss - before.Rss) / 1024.0 / count;
            var managed = (collected.ManagedHeap - before.ManagedHeap) / 1024.0 / count;
            table.Add(
                $"{legs} legs: RSS growth per session, after a full GC",
                double.NaN,
                perSession,
                "-",
                mode == LegMode.StartTls ? "< 100 KiB" : "-",
                mode == LegMode.StartTls ? ResultTable.Verdict(perSession < 100) : "-",
                string.Create(CultureInfo.InvariantCulture, $"managed heap {managed:0.0} KiB/session; RSS {before.Rss / 1048576.0:0.0} → {collected.Rss / 1048576.0:0.0} MiB"));
            table.Add(
                $"{legs} legs: RSS growth per session, no forced GC",
                double.NaN,
                perSessionNoGc,
                "-",
                "-",
                "-",
                string.Create(CultureInfo.InvariantCulture, $"RSS {loaded.Rss / 1048576.0:0.0} MiB with {count} sessions open"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
