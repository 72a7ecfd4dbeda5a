using System.Globalization;
using SmtpTap.Bench.Client;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// Not part of the full run: a tap process under steady load for a profiler to attach to
/// (<c>--only profile [--legs plain|starttls|implicit] [--transcripts]</c>). Prints the tap's pid, waits 5 s, loads it for 20 s at c=50.
/// </summary>
internal static class ProfileSection
{
    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var mode = context.Settings.ProfileLegs;
        await using var tap = await context.StartTapAsync(mode, context.Settings.ProfileTranscripts, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TAP PID {tap.Pid} ({mode} legs); load starts in 5 s and lasts 20 s"));
        await LoadRun.MessagesPerSecondAsync(tap.EndPoint, mode, 50, TimeSpan.FromSeconds(1), MessageContent.WithEnd(10 * 1024), context.Certificates, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
        var before = await tap.StatsAsync(collect: false, cancellationToken);
        var rate = await LoadRun.MessagesPerSecondAsync(tap.EndPoint, mode, 50, TimeSpan.FromSeconds(20), MessageContent.WithEnd(10 * 1024), context.Certificates, cancellationToken);
        var after = await tap.StatsAsync(collect: false, cancellationToken);
        var messages = rate * 20;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{rate:0} msg/s through the tap; tap CPU {(after.Cpu - before.Cpu).TotalMicroseconds / messages:0} µs/msg; GCs gen0/1/2 {after.Gen0 - before.Gen0}/{after.Gen1 - before.Gen1}/{after.Gen2 - before.Gen2} ({(after.Gen0 - before.Gen0) / messages * 1000:0.00} gen0 per 1000 msgs)"));
    }
}
