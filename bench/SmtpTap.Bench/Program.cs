using System.Globalization;
using System.Runtime.InteropServices;
using SmtpTap.Bench;
using SmtpTap.Bench.Host;
using SmtpTap.Bench.Sections;

if (args.Length > 0 && args[0] == "host")
{
    return await HostMode.RunAsync(args);
}

if (!BenchSettings.TryParse(args, out var settings, out var error))
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

Console.WriteLine("# SmtpTap benchmark");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}"));
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, GC server={System.Runtime.GCSettings.IsServerGC}");
Console.WriteLine($"mode: {(settings.Quick ? "quick (smoke check, not a measurement)" : "full")}, {settings.Rounds} round(s) per cell, paths rotated each round; values are medians over rounds");
Console.WriteLine("noise: client, sink, and tap share this machine's cores (and anything else running); compare ratios, not absolutes");
await using var context = BenchContext.Create(settings);
var sections = new (string Name, Func<BenchContext, CancellationToken, Task> Run)[]
{
    ("throughput", ThroughputSection.RunAsync),
    ("latency", LatencySection.RunAsync),
    ("sessions", SessionRateSection.RunAsync),
    ("stream", StreamSection.RunAsync),
    ("idle", IdleSection.RunAsync),
    ("profile", ProfileSection.RunAsync),
    ("pipelining", PipeliningSection.RunAsync),
    ("web", WebSection.RunAsync),
    ("web-memory", WebMemorySection.RunAsync),
};
foreach (var (name, run) in sections)
{
    if (!settings.Runs(name))
    {
        continue;
    }

    Console.WriteLine($"\n[{name}] load average at start: {ProcStatus.LoadAverage()}");
    await run(context, cancel.Token);
    Console.WriteLine($"[{name}] load average at end: {ProcStatus.LoadAverage()}");
}

return 0;
