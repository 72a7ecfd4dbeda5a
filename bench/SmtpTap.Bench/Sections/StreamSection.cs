using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Host;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// One large message streamed with DATA (plain legs, transcripts off): MB/s direct vs through a fresh tap
/// process, and the tap's peak resident memory (VmHWM) after a small and after a large message.
/// </summary>
internal static class StreamSection
{
    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var table = new ResultTable("Streaming one large message (plain legs)", "MiB/s or MiB");
        await using var tap = await context.StartTapAsync(LegMode.Plain, transcripts: false, cancellationToken);
        var idle = await tap.StatsAsync(collect: true, cancellationToken);
        var paths = new[] { ("direct", context.Sink(LegMode.Plain)), ("tap", tap.EndPoint) };
        foreach (var (_, endPoint) in paths)
        {
            await StreamAsync(context, endPoint, settings.StreamSmallBytes, cancellationToken);
        }

        var afterSmall = await tap.StatsAsync(collect: false, cancellationToken);
        var rates = paths.ToDictionary(p => p.Item1, _ => new List<double>());
        for (var round = 0; round < settings.Rounds; round++)
        {
            for (var i = 0; i < paths.Length; i++)
            {
                var (name, endPoint) = paths[(i + round) % paths.Length];
                rates[name].Add(await StreamAsync(context, endPoint, settings.StreamLargeBytes, cancellationToken));
            }
        }

        var afterLarge = await tap.StatsAsync(collect: false, cancellationToken);
        var direct = Stats.Median(rates["direct"]);
        var through = Stats.Median(rates["tap"]);
        var large = Size(settings.StreamLargeBytes);
        table.Add(
            $"{large} message, MiB/s",
            direct,
            through,
            ResultTable.Ratio(through, direct),
            "- (reported)",
            "-",
            "runs " + string.Join("/", rates["tap"].Select(v => v.ToString("0", CultureInfo.InvariantCulture))) + " vs " + string.Join("/", rates["direct"].Select(v => v.ToString("0", CultureInfo.InvariantCulture))));
        var growth = (afterLarge.Hwm - afterSmall.Hwm) / 1048576.0;
        table.Add(
            $"tap peak RSS (VmHWM) after {Size(settings.StreamSmallBytes)} vs after {large}",
            afterSmall.Hwm / 1048576.0,
            afterLarge.Hwm / 1048576.0,
            "+" + ResultTable.Format(growth) + " MiB",
            "independent of size (growth < 16 MiB)",
            ResultTable.Verdict(growth < 16),
            string.Create(CultureInfo.InvariantCulture, $"direct column = peak after the small message; idle RSS {idle.Rss / 1048576.0:0.0} MiB; GCs gen0/1/2 during the large runs {afterLarge.Gen0 - afterSmall.Gen0}/{afterLarge.Gen1 - afterSmall.Gen1}/{afterLarge.Gen2 - afterSmall.Gen2}"));
        table.Print();
    }

    private static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes >> 30} GiB" : $"{bytes >> 20} MiB";

    private static async Task<double> StreamAsync(BenchContext context, IPEndPoint endPoint, long size, CancellationToken cancellationToken)
    {
        var block = MessageContent.Block(64 * 1024);
        await using var client = await BenchClient.ConnectAsync(endPoint, LegMode.Plain, context.Certificates, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await client.BeginDataAsync(cancellationToken);
        await client.WriteAsync(MessageContent.Headers, cancellationToken);
        long sent = MessageContent.Headers.Length;
        while (sent < size)
        {
            await client.WriteAsync(block, cancellationToken);
            sent += block.Length;
        }

        await client.WriteAsync(MessageContent.End, cancellationToken);
        await client.ExpectAsync(250, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await client.QuitAsync(cancellationToken);
        return sent / 1048576.0 / seconds;
    }
}
