using System.Diagnostics;
using System.Net;

namespace SmtpTap.Bench.Client;

/// <summary>
/// Opens <c>concurrency</c> sessions (not timed), sends one message on each to warm up, then sends as
/// many messages as possible on all of them until the duration is over; returns messages per second.
/// </summary>
internal static class LoadRun
{
    public static async Task<double> MessagesPerSecondAsync(IPEndPoint endPoint, LegMode mode, int concurrency, TimeSpan duration, byte[] content, BenchCertificates certificates, CancellationToken cancellationToken)
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => BenchClient.ConnectAsync(endPoint, mode, certificates, cancellationToken)));
        try
        {
            await Task.WhenAll(clients.Select(c => c.SendMessageAsync(content, cancellationToken)));
            var started = Stopwatch.GetTimestamp();
            var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var counts = await Task.WhenAll(clients.Select(c => Task.Run(() => SendUntilAsync(c, content, deadline, cancellationToken), cancellationToken)));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await Task.WhenAll(clients.Select(c => c.QuitAsync(cancellationToken)));
            return counts.Sum() / elapsed;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task<long> SendUntilAsync(BenchClient client, byte[] content, long deadline, CancellationToken cancellationToken)
    {
        long sent = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await client.SendMessageAsync(content, cancellationToken);
            sent++;
        }

        return sent;
    }
}
