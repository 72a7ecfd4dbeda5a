using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>New sessions per second: connect, EHLO, STARTTLS (both legs through the tap), EHLO, QUIT; 8 loops in parallel.</summary>
internal static class SessionRateSection
{
    private const int Concurrency = 8;

    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var table = new ResultTable("New sessions per second (8 parallel loops)", "sessions/s");
        foreach (var mode in new[] { LegMode.StartTls, LegMode.Plain })
        {
            await using var tap = await context.StartTapAsync(mode, transcripts: false, cancellationToken);
            var paths = new[] { ("direct", context.Sink(mode)), ("tap", tap.EndPoint) };
            var rates = paths.ToDictionary(p => p.Item1, _ => new List<double>());
            foreach (var (_, endPoint) in paths)
            {
                await RateAsync(context, endPoint, mode, TimeSpan.FromSeconds(0.3), cancellationToken);
            }

            for (var round = 0; round < context.Settings.Rounds; round++)
            {
                for (var i = 0; i < paths.Length; i++)
                {
                    var (name, endPoint) = paths[(i + round) % paths.Length];
                    rates[name].Add(await RateAsync(context, endPoint, mode, context.Settings.SessionDuration, cancellationToken));
                }
            }

            var direct = Stats.Median(rates["direct"]);
            var tapRate = Stats.Median(rates["tap"]);
            var name2 = mode == LegMode.StartTls ? "STARTTLS both legs" : "plain both legs";
            table.Add(
                name2,
                direct,
                tapRate,
                ResultTable.Ratio(tapRate, direct),
                "- (reported)",
                "-",
                "runs " + string.Join("/", rates["tap"].Select(v => v.ToString("0", CultureInfo.InvariantCulture))) + " vs " + string.Join("/", rates["direct"].Select(v => v.ToString("0", CultureInfo.InvariantCulture))));
        }

        table.Print();
    }

    private static async Task<double> RateAsync(BenchContext context, IPEndPoint endPoint, LegMode mode, TimeSpan duration, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(
            async () =>
            {
                long n = 0;
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    await using var client = await BenchClient.ConnectAsync(endPoint, mode, context.Certificates, cancellationToken);
                    await client.QuitAsync(cancellationToken);
                    n++;
                }

                return n;
            },
            cancellationToken)));
        return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
