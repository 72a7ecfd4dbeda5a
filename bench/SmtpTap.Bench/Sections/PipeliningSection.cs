using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using SmtpTap.Bench.Client;
using SmtpTap.Bench.Host;
using SmtpTap.Bench.Report;

namespace SmtpTap.Bench.Sections;

/// <summary>
/// Not part of the full run (it needs a real Postfix): <c>--only pipelining --postfix-port N</c>. One session of
/// N transactions to Postfix, pipelined (MAIL/RCPT/DATA in one write, then the message with its end of data)
/// and lock-step (each command waits for its reply), directly and through a tap process with plain legs;
/// per-transaction p50/p99 side by side and what the tap adds. bench/pipelining-vs-postfix.sh starts the
/// interop rig and runs it.
/// </summary>
internal static class PipeliningSection
{
    /// <summary>Target from issue 11: the tap adds under 1 ms per pipelined transaction at p99.</summary>
    private const double TargetAddedP99Micros = 1000;

    /// <summary>Transactions at least this slow are counted: the signature of a Nagle/delayed-ACK stall.</summary>
    private const double StallMicros = 35_000;

    public static async Task RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var transactions = settings.Quick ? Math.Min(50, settings.Transactions) : settings.Transactions;
        var postfix = new IPEndPoint(IPAddress.Loopback, settings.PostfixPort);
        var mail = Encoding.ASCII.GetBytes("MAIL FROM:<bench@interop.test>\r\n");
        var rcpt = Encoding.ASCII.GetBytes($"RCPT TO:<{settings.PostfixRecipient}>\r\n");
        byte[] envelope = [.. mail, .. rcpt, .. "DATA\r\n"u8];
        var content = Message(settings.PostfixRecipient);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Postfix at {postfix}, recipient {settings.PostfixRecipient}, {transactions} transactions per session, {content.Length}-octet messages, {settings.Rounds} round(s) per path and style"));

        await using var tap = await HostProcess.StartAsync(
            new HostArguments { Kind = "tap", UpstreamPort = postfix.Port, Client = LegMode.Plain, Upstream = LegMode.Plain, CertDirectory = context.Certificates.CertDirectory },
            cancellationToken);
        var paths = new[] { ("direct", postfix), ("tap", tap.EndPoint) };
        var styles = new (string Name, Func<BenchClient, Task> Transaction)[]
        {
            ("pipelined", client => client.PipelinedTransactionAsync(envelope, 1, content, cancellationToken)),
            ("lock-step", client => client.LockStepTransactionAsync(mail, rcpt, content, cancellationToken)),
        };

        var table = new ResultTable("Transactions to a real Postfix, one session each, per-transaction latency", "µs");
        foreach (var (style, transaction) in styles)
        {
            var samples = paths.ToDictionary(p => p.Item1, _ => new List<double>());
            var totals = paths.ToDictionary(p => p.Item1, _ => new List<double>());
            foreach (var (_, endPoint) in paths)
            {
                await SessionAsync(context, endPoint, 20, transaction, cancellationToken);
            }

            var cpuBefore = (await tap.StatsAsync(collect: false, cancellationToken)).Cpu;
            for (var round = 0; round < settings.Rounds; round++)
            {
                for (var i = 0; i < paths.Length; i++)
                {
                    var (name, endPoint) = paths[(i + round) % paths.Length];
                    var started = Stopwatch.GetTimestamp();
                    var run = await SessionAsync(context, endPoint, transactions, transaction, cancellationToken);
                    totals[name].Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    samples[name].AddRange(run);
                }
            }

            var tapCpu = (await tap.StatsAsync(collect: false, cancellationToken)).Cpu - cpuBefore;
            var direct = samples["direct"].Order().ToArray();
            var viaTap = samples["tap"].Order().ToArray();
            foreach (var p in new[] { 50, 90, 99 })
            {
                var d = Stats.Percentile(direct, p);
                var t = Stats.Percentile(viaTap, p);
                var added = t - d;
                var (target, verdict) = style == "pipelined" && p == 99
                    ? ("added < 1 ms", ResultTable.Verdict(added < TargetAddedP99Micros))
                    : ("-", "-");
                var note = p switch
                {
                    50 => Sessions(totals, transactions),
                    90 => $"{direct.Length} transactions per path; tap CPU {tapCpu.TotalMicroseconds / viaTap.Length:0} µs per transaction",
                    _ => $"{viaTap.Count(v => v >= StallMicros)} through the tap and {direct.Count(v => v >= StallMicros)} direct took ≥ {StallMicros / 1000:0} ms (a delayed-ACK stall is about 40 ms)",
                };
                table.Add($"{style} p{p}", d, t, Signed(added) + " µs", target, verdict, note);
            }
        }

        table.Print();
    }

    private static string Signed(double value) => (value >= 0 ? "+" : "−") + ResultTable.Format(Math.Abs(value));

    private static string Sessions(Dictionary<string, List<double>> totals, int transactions) =>
        $"{transactions} transactions per session took " +
        string.Join("/", totals["tap"].Select(v => v.ToString("0.00", CultureInfo.InvariantCulture))) + " s through the tap vs " +
        string.Join("/", totals["direct"].Select(v => v.ToString("0.00", CultureInfo.InvariantCulture))) + " s direct";

    private static async Task<List<double>> SessionAsync(BenchContext context, IPEndPoint endPoint, int transactions, Func<BenchClient, Task> transaction, CancellationToken cancellationToken)
    {
        await using var client = await BenchClient.ConnectAsync(endPoint, LegMode.Plain, context.Certificates, cancellationToken);
        var samples = new List<double>(transactions);
        for (var i = 0; i < transactions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await transaction(client);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        await client.QuitAsync(cancellationToken);
        return samples;
    }

    /// <summary>About 2 KB: the headers Postfix would otherwise add, a marker header (bench/pipelining-vs-postfix.sh deletes the copies), a body.</summary>
    private static byte[] Message(string recipient)
    {
        var text = new StringBuilder();
        text.Append("From: <bench@interop.test>\r\nTo: <").Append(recipient).Append(">\r\n");
        text.Append("Subject: SmtpTap pipelining benchmark\r\nDate: Thu, 03 Dec 2026 12:00:00 +0000\r\n");
        text.Append("Message-ID: <pipelining-bench@interop.test>\r\nX-SmtpTap-Bench: pipelining\r\n\r\n");
        while (text.Length < 2000)
        {
            text.Append("The quick brown fox jumps over the lazy dog while the tap relays every byte of it.\r\n");
        }

        text.Append(".\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
