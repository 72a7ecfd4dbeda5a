using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;
using SmtpTap.Core.Hosting;
using SmtpTap.LoadTest;

// Load test (catalogue G, issue 6): 1000 idle sessions and 200 slow clients while 20 normal clients send 2000
// messages through an in-process tap to a counting sink. Loopback port 0 only. Prints PASS or FAIL.
var idleCount = Arg("--idle", 1000);
var slowCount = Arg("--slow", 200);
var normalCount = Arg("--normal", 20);
var messageCount = Arg("--messages", 2000);
var heapBudgetMb = Arg("--heap-budget-mb", 512);
var inv = CultureInfo.InvariantCulture;

var limits = new TapLimits
{
    MaxSessions = idleCount + slowCount + normalCount + 100,
    ClientIdleTimeout = TimeSpan.FromMinutes(10),
    CommandDeadline = TimeSpan.FromSeconds(10),
    MinDataRate = 500,
    DataRateGrace = TimeSpan.FromSeconds(10),
};
await using var sink = new SinkServer();
sink.Start();
var options = new TapOptions
{
    Listeners = [new ListenerEndpoint("127.0.0.1", IPAddress.Loopback, 0, false)],
    Upstream = new UpstreamEndpoint(UpstreamKind.Smtp, "127.0.0.1", sink.Port),
    UpstreamTls = UpstreamTlsPolicy.None,
    Limits = limits,
};
await using var tap = new TapServer(options, options.Upstream, new NoCertificates(), Serilog.Core.Logger.None);
tap.Start();
var port = tap.BoundListeners[0].Port;
Console.WriteLine(string.Create(inv, $"smtptap load test: tap 127.0.0.1:{port} -> sink 127.0.0.1:{sink.Port}; {idleCount} idle, {slowCount} slow, {normalCount} normal clients, {messageCount} messages"));
Console.WriteLine(string.Create(inv, $"limits: idle timeout {limits.ClientIdleTimeout.TotalSeconds} s, per-command deadline {limits.CommandDeadline.TotalSeconds} s, minimum data rate {limits.MinDataRate} B/s after {limits.DataRateGrace.TotalSeconds} s, max sessions {limits.MaxSessions}"));

GC.Collect();
var baselineHeap = GC.GetTotalMemory(true);
var total = Stopwatch.StartNew();
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
await using var sampler = new MemorySampler(() => tap.ActiveSessions);

// 1. Idle sessions: connected, EHLO'd, silent.
var idle = new ConcurrentBag<LineConnection>();
var idleFailures = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, idleCount), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cts.Token }, async (_, ct) =>
{
    try
    {
        idle.Add((await LoadClients.OpenIdleAsync(port, ct))!);
    }
    catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
    {
        Interlocked.Increment(ref idleFailures);
    }
});
Console.WriteLine(string.Create(inv, $"{idle.Count} idle sessions open after {total.Elapsed.TotalSeconds:0.0} s ({tap.ActiveSessions} active in the tap)"));

// 2. Slow clients and normal senders at the same time.
var slow = Enumerable.Range(0, slowCount).Select(i => LoadClients.SlowAsync(port, i, inData: i % 2 == 1, cts.Token)).ToArray();
var accepted = new ConcurrentBag<string>();
var problems = new ConcurrentBag<string>();
var sendClock = Stopwatch.StartNew();
var perClient = messageCount / normalCount;
await Task.WhenAll(Enumerable.Range(0, normalCount).Select(c => LoadClients.SendAsync(port, c, perClient + (c < messageCount % normalCount ? 1 : 0), accepted, problems, cts.Token)));
var sendTime = sendClock.Elapsed;
var slowResults = await Task.WhenAll(slow);

// 3. Idle sessions must still be served after all that.
var idleSurvivors = 0;
await Parallel.ForEachAsync(idle, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (connection, ct) =>
{
    if (await LoadClients.CloseIdleAsync(connection, ct))
    {
        Interlocked.Increment(ref idleSurvivors);
    }
});

var deadline = DateTime.UtcNow.AddSeconds(30);
while (tap.ActiveSessions > 0 && DateTime.UtcNow < deadline)
{
    await Task.Delay(100);
}

await sampler.DisposeAsync();
GC.Collect();
var afterHeap = GC.GetTotalMemory(true);

// Report.
var acceptedSet = accepted.ToHashSet(StringComparer.Ordinal);
var lost = acceptedSet.Where(id => !sink.Delivered.ContainsKey(id)).Order().ToList();
var duplicates = sink.Delivered.Where(kv => kv.Value > 1).Select(kv => $"{kv.Key} x{kv.Value}").Order().ToList();
var unexpected = sink.Delivered.Keys.Where(id => !acceptedSet.Contains(id)).Order().ToList();
var exactlyOnce = acceptedSet.Count(id => sink.Delivered.TryGetValue(id, out var n) && n == 1);
Console.WriteLine();
Console.WriteLine(string.Create(inv, $"normal messages: {acceptedSet.Count}/{messageCount} got 250; delivered exactly once: {exactlyOnce}; lost: {lost.Count}; duplicates: {duplicates.Count}; delivered without a 250 to the client: {unexpected.Count}; in {sendTime.TotalSeconds:0.0} s ({acceptedSet.Count / Math.Max(0.001, sendTime.TotalSeconds):0} msg/s)"));
foreach (var item in lost.Take(10).Concat(duplicates.Take(10)).Concat(unexpected.Take(10)))
{
    Console.WriteLine("  " + item);
}

foreach (var problem in problems.Take(10))
{
    Console.WriteLine("  client problem: " + problem);
}

var slowGroups = slowResults
    .Select((r, i) => (Kind: i % 2 == 1 ? "DATA at 10 B/s" : "command at 1 B/s", Limit: Classify(r.Outcome), r.After))
    .GroupBy(r => (r.Kind, r.Limit))
    .OrderBy(g => g.Key.Kind, StringComparer.Ordinal);
Console.WriteLine("slow clients:");
foreach (var group in slowGroups)
{
    Console.WriteLine(string.Create(inv, $"  {group.Count()} x {group.Key.Kind}: {group.Key.Limit}, after {group.Min(g => g.After.TotalSeconds):0.0}-{group.Max(g => g.After.TotalSeconds):0.0} s"));
}

var slowDelivered = sink.Delivered.Keys.Count(k => k.StartsWith("slow-", StringComparison.Ordinal));
var slowCutOff = slowResults.Count(r => Classify(r.Outcome) != "not cut off");
Console.WriteLine(string.Create(inv, $"slow messages delivered: {slowDelivered} (must be 0); content without an id at the sink: {sink.ContentWithoutId}"));
Console.WriteLine(string.Create(inv, $"idle sessions: {idle.Count} opened ({idleFailures} failed to open), {idleSurvivors} still served at the end (QUIT -> 221)"));
Console.WriteLine(string.Create(inv, $"sessions: peak {sampler.PeakSessions} concurrent in the tap; {sink.Connections} upstream connections made; {tap.ActiveSessions} left at the end"));
Console.WriteLine(string.Create(inv, $"memory (whole process: tap + sink + all clients): peak working set {sampler.PeakWorkingSet / 1048576.0:0} MiB, peak GC heap {sampler.PeakGcHeap / 1048576.0:0} MiB, GC heap before {baselineHeap / 1048576.0:0.0} MiB / after {afterHeap / 1048576.0:0.0} MiB ({sampler.Samples} samples)"));
Console.WriteLine(string.Create(inv, $"duration: {total.Elapsed.TotalSeconds:0.0} s"));

var failures = new List<string>();
Check(acceptedSet.Count == messageCount, "not every normal message got 250");
Check(exactlyOnce == acceptedSet.Count && lost.Count == 0 && duplicates.Count == 0 && unexpected.Count == 0, "a normal message was lost or duplicated");
Check(slowCutOff == slowCount, "a slow client was not cut off by a limit");
Check(slowDelivered == 0, "a slow client's message reached the server");
Check(idleSurvivors == idleCount && idleFailures == 0, "an idle session was lost");
Check(sampler.PeakGcHeap < heapBudgetMb * 1048576L, $"peak GC heap above {heapBudgetMb} MiB");
Check(afterHeap < baselineHeap + (64 * 1048576L), "GC heap did not return to within 64 MiB of the baseline");
Check(tap.ActiveSessions == 0, "sessions left open");
Console.WriteLine(failures.Count == 0 ? "PASS" : "FAIL: " + string.Join("; ", failures));
return failures.Count == 0 ? 0 : 1;

void Check(bool ok, string why)
{
    if (!ok)
    {
        failures.Add(why);
    }
}

static string Classify(string outcome) =>
    outcome.Contains("per-command deadline", StringComparison.Ordinal) ? "421 per-command deadline"
    : outcome.Contains("minimum rate", StringComparison.Ordinal) ? "421 minimum data rate"
    : outcome.Contains("idle", StringComparison.Ordinal) ? "421 idle timeout"
    : outcome.StartsWith("421", StringComparison.Ordinal) || outcome.StartsWith("500", StringComparison.Ordinal) ? outcome
    : "not cut off";

int Arg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>The load test uses a plaintext listener only; no certificate is ever needed.</summary>
internal sealed class NoCertificates : IServerCertificateSource
{
    public X509Certificate2 GetCertificate(string? serverName) => throw new InvalidOperationException("the load test listener is plaintext");
}
