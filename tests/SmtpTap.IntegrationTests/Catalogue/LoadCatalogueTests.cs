using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>Catalogue part G (load and resource exhaustion), with timeouts scaled to milliseconds. The long run is bench/SmtpTap.LoadTest.</summary>
public sealed class LoadCatalogueTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task G44_IdleConnectionsPastTheCap_Get421_IdleOnesClosedAtIdleTimeout_ProbeStillWorks()
    {
        const int cap = 4;
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, ScaledLimits.With(l => l with { MaxSessions = cap, ClientIdleTimeout = TimeSpan.FromSeconds(2) }));
        var idle = new List<RawSmtpClient>();
        for (var i = 0; i < cap; i++)
        {
            var client = await RawSmtpClient.ConnectAsync(harness.Port);
            await client.ExpectAsync(220);
            idle.Add(client);
        }

        for (var i = 0; i < 5; i++)
        {
            await using var extra = await RawSmtpClient.ConnectAsync(harness.Port);
            var refused = await extra.ExpectAsync(421);
            Assert.Contains("too many sessions", refused.FirstLine, StringComparison.Ordinal);
            Assert.True(await extra.ClosedAsync());
        }

        foreach (var client in idle)
        {
            var timedOut = await client.ExpectAsync(421);
            Assert.Contains("idle timeout", timedOut.FirstLine, StringComparison.Ordinal);
            Assert.True(await client.ClosedAsync());
            await client.DisposeAsync();
        }

        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "idle sessions are released");
        await harness.SendMessageAsync("g44-probe");
        Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(s_wait));
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the probe session is released");
    }

    [Fact]
    public async Task G44b_PerAddressCap_ExtraSessionsFromTheSameAddressGet421_SlotFreedWhenOneCloses()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, ScaledLimits.With(l => l with { MaxSessionsPerAddress = 2 }));
        var first = await RawSmtpClient.ConnectAsync(harness.Port);
        await first.ExpectAsync(220);
        await using var second = await RawSmtpClient.ConnectAsync(harness.Port);
        await second.ExpectAsync(220);
        await using (var third = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            var refused = await third.ExpectAsync(421);
            Assert.Contains("from your address", refused.FirstLine, StringComparison.Ordinal);
        }

        await first.SendAsync("QUIT\r\n");
        await first.ExpectAsync(221);
        await first.DisposeAsync();
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 1, "the first session is released");
        await using var fourth = await RawSmtpClient.ConnectAsync(harness.Port);
        await fourth.ExpectAsync(220);
    }

    [Fact]
    public async Task G45a_SlowlorisCommand_OneByteAtATime_Gets421AtPerCommandDeadline()
    {
        var deadline = TimeSpan.FromMilliseconds(800);
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, ScaledLimits.With(l => l with { CommandDeadline = deadline, ClientIdleTimeout = TimeSpan.FromSeconds(10) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        using var stop = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var trickle = Task.Run(async () =>
        {
            try
            {
                await raw.SendAsync("EHLO ");
                while (!stop.IsCancellationRequested)
                {
                    await raw.SendAsync("x");
                    await Task.Delay(50, stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        });
        var reply = await raw.ExpectAsync(421);
        var elapsed = started.Elapsed;
        await stop.CancelAsync();
        await trickle;
        output.WriteLine($"{reply.FirstLine} after {elapsed.TotalMilliseconds:0} ms");
        Assert.Contains("per-command deadline", reply.FirstLine, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), "cut by the deadline, not by the idle timeout");
    }

    [Fact]
    public async Task G45b_DataAtTenBytesPerSecond_CutOffByMinimumDataRate_NothingCommitted()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, ScaledLimits.With(l => l with { MinDataRate = 500, DataRateGrace = TimeSpan.FromMilliseconds(800), ClientIdleTimeout = TimeSpan.FromSeconds(10) }));

        // Positive control: a normal sender under the same limits is not affected.
        await harness.SendMessageAsync("g45-fast");
        Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(s_wait));

        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO slow\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("MAIL FROM:<slow@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<r@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            try
            {
                var line = "Subject: slow\r\n\r\n" + new string('s', 60) + "\r\n";
                for (var i = 0; !stop.IsCancellationRequested; i = (i + 1) % line.Length)
                {
                    await raw.SendAsync(line[i].ToString());
                    await Task.Delay(100, stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        });
        var reply = await raw.ExpectAsync(421);
        await stop.CancelAsync();
        await trickle;
        output.WriteLine(reply.FirstLine);
        Assert.Contains("minimum rate", reply.FirstLine, StringComparison.Ordinal);
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the slow session and its upstream leg are released");
        Assert.Single(harness.Capture.Messages);
    }

    [Fact]
    public async Task G46_StalledTlsHandshake_ClosedAtHandshakeTimeout_WhileNormalSessionsComplete()
    {
        // The handshake timeout also bounds the ten probes' real handshakes, which take seconds on a loaded machine;
        // 5 s still closes the stalled ones well inside the 30 s wait.
        await using var harness = await TapHarness.StartAsync(LegMode.Implicit, LegMode.Plain, ScaledLimits.With(l => l with { TlsHandshakeTimeout = TimeSpan.FromSeconds(5) }));
        var stalled = new List<TcpClient>();
        for (var i = 0; i < 10; i++)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, harness.Port);
            await tcp.GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01 });
            stalled.Add(tcp);
        }

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => harness.SendMessageAsync("g46-" + i)));
        Assert.Equal(10, (await harness.Capture.WaitForMessagesAsync(10, CancellationToken.None).WaitAsync(s_wait)).Count);
        foreach (var tcp in stalled)
        {
            var buffer = new byte[16];
            using var cts = new CancellationTokenSource(s_wait);
            int n;
            try
            {
                n = await tcp.GetStream().ReadAsync(buffer, cts.Token);
            }
            catch (IOException)
            {
                n = 0;
            }

            Assert.Equal(0, n);
            tcp.Dispose();
        }

        await harness.WaitForTranscriptAsync("Session closed (ClientTlsFailed)", 10);
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "handshake sessions are released");
    }

    [Fact]
    public async Task G48a_HalfOpenClient_IdleTimeoutReclaimsBothLegs()
    {
        var upstreamClosed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 scripted.test ESMTP\r\n");
            await c.ExpectAsync("EHLO");
            await c.SendAsync(ScriptedConnection.EhloReply("PIPELINING"));
            upstreamClosed.TrySetResult(await ScriptedFaults.DrainUntilClosedAsync(c));
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { ClientIdleTimeout = TimeSpan.FromMilliseconds(600) }));

        // A peer that vanished without FIN looks exactly like one that stays silent: the socket stays open and nothing comes.
        using var vanished = new TcpClient();
        await vanished.ConnectAsync(IPAddress.Loopback, harness.Port);
        await vanished.GetStream().WriteAsync("EHLO gone\r\n"u8.ToArray());
        Assert.True(await upstreamClosed.Task.WaitAsync(s_wait));
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the half-open session is released");
        Assert.Contains("Session closed (ClientTimeout)", await harness.WaitForTranscriptAsync("Session closed"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task G48b_HalfOpenUpstream_ReplyTimeoutClosesBothLegs()
    {
        var upstreamClosed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectAsync("MAIL FROM");
            upstreamClosed.TrySetResult(await ScriptedFaults.DrainUntilClosedAsync(c));
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { ServerReplyTimeout = TimeSpan.FromMilliseconds(600) }));
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
        await raw.ExpectAsync(421);
        Assert.True(await raw.ClosedAsync());
        Assert.True(await upstreamClosed.Task.WaitAsync(s_wait));
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the session is released");
    }

    [Fact]
    public async Task G49a_ClientPipelinesTenThousandNoopsAndNeverReads_ClosedAtWriteDeadline()
    {
        var longReply = new Support.ScriptedReply(250, Enumerable.Range(0, 20).Select(i => "ok " + new string('n', 90)).ToArray());
        var answered = 0;
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            while (await c.ReadLineAsync() is not null)
            {
                await c.SendAsync(longReply.Wire);
                Interlocked.Increment(ref answered);
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { ClientWriteTimeout = TimeSpan.FromMilliseconds(800) }));
        using var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(IPAddress.Loopback, harness.Port);
        var stream = tcp.GetStream();
        var noops = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", 10_000)));
        var send = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync("EHLO never-reads\r\n"u8.ToArray());
                await stream.WriteAsync(noops);
            }
            catch (IOException)
            {
            }
        });
        await harness.WaitForTranscriptAsync("The client stopped reading its replies");
        var transcript = await harness.WaitForTranscriptAsync("Session closed (");
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the stuck session is released");
        output.WriteLine($"upstream answered {answered} NOOPs before backpressure stopped it");
        Assert.True(answered < 10_000, "backpressure must stop the relay before every reply is produced");
        Assert.Contains("Session closed (ClientTimeout)", transcript, StringComparison.Ordinal);

        // The tap aborted the connection, so the writer has ended (or fails now); dispose only after it, so a write still
        // in progress cannot fail with ObjectDisposedException instead of the IOException it expects.
        await send.WaitAsync(s_wait);
        tcp.Dispose();
    }

    [Fact]
    public async Task G49b_UpstreamStopsReadingDuringLargeData_451AfterDataBlockTimeout_NoDot()
    {
        var gotDot = false;
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectAsync("MAIL FROM");
            await c.SendAsync("250 2.1.0 Ok\r\n");
            await c.ExpectAsync("RCPT TO");
            await c.SendAsync("250 2.1.5 Ok\r\n");
            await c.ExpectAsync("DATA");
            await c.SendAsync("354 go ahead\r\n");
            await Task.Delay(Timeout.Infinite, c.Token);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { DataBlockTimeout = TimeSpan.FromMilliseconds(800) }));
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string('d', 998) + "\r\n", 1024)));
        var send = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 40; i++)
                {
                    await raw.SendAsync(block);
                }

                await raw.SendAsync(".\r\n");
            }
            catch (Exception ex) when (ex is IOException or TimeoutException)
            {
            }
        });
        var reply = await raw.ExpectAsync(451);
        output.WriteLine(reply.FirstLine);
        await raw.ExpectAsync(421);
        await send.WaitAsync(s_wait);
        gotDot = server.ReceivedSnapshot().Contains(".");
        Assert.False(gotDot);
        await harness.WaitForTranscriptAsync("The server stopped accepting message content");
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the session is released");
    }

    [Fact]
    public async Task G50_ShortSoak_EveryAcceptedMessageDeliveredExactlyOnce_AbortedOnesNever()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.StartTls, LegMode.StartTls, ScaledLimits.With(l => l));
        var random = new Random(50);
        var accepted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var aborted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var plan = Enumerable.Range(0, 120).Select(i => (Id: $"soak-{i:D4}", Size: random.Next(0, 64 * 1024), Abort: random.Next(20) == 0)).ToArray();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (item, ct) =>
        {
            if (item.Abort)
            {
                await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
                await raw.ExpectAsync(220);
                await raw.SendAsync("EHLO soak\r\nMAIL FROM:<s@example.test>\r\n");
                await raw.ExpectAsync(250);
                await raw.ExpectAsync(250);
                await raw.SendAsync("RCPT TO:<r@example.test>\r\n");
                await raw.ExpectAsync(250);
                await raw.SendAsync("DATA\r\n");
                await raw.ExpectAsync(354);
                await raw.SendAsync($"Subject: {item.Id}\r\n\r\npartial\r\n");
                aborted.Add(item.Id);
                return;
            }

            var body = new string((char)('a' + (item.Size % 26)), item.Size / 100) + "\r\n";
            using var smtp = await harness.ConnectClientAsync(cancellationToken: ct);
            await smtp.SendAsync(TestMessages.Simple(item.Id, body), ct);
            accepted.Add(item.Id);
            await smtp.DisconnectAsync(true, ct);
        });

        var stored = await harness.Capture.WaitForMessagesAsync(accepted.Count, CancellationToken.None).WaitAsync(s_wait);
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "soak sessions are released");
        var subjects = harness.Capture.Messages.Select(m => Encoding.UTF8.GetString(m.Content ?? File.ReadAllBytes(m.FilePath!))).Select(SubjectTag).ToList();
        output.WriteLine($"accepted {accepted.Count}, aborted {aborted.Count}, stored {subjects.Count}");
        Assert.Equal(accepted.Order(), subjects.Order());
        Assert.All(aborted, id => Assert.DoesNotContain(id, subjects));
        Assert.NotEmpty(aborted);
        Assert.Equal(stored.Count, subjects.Count);
    }

    private static string SubjectTag(string content)
    {
        var start = content.IndexOf("SmtpTap test ", StringComparison.Ordinal) + "SmtpTap test ".Length;
        var end = content.IndexOf("\r\n", start, StringComparison.Ordinal);
        return content[start..end];
    }
}

/// <summary>Catalogue part G cases that must run alone (see <see cref="IsolatedCollection"/>).</summary>
[Collection(IsolatedCollection.Name)]
public sealed class LoadCatalogueIsolatedTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task G47_ConnectCloseFloodAndTlsHandshakeBurst_TapStaysUpAndReturnsToBaseline()
    {
        // UnobservedTaskException is process-wide and GC.Collect finalizes every test's garbage: flush what earlier
        // tests left behind before listening, so only tasks abandoned while this flood runs can be counted.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        await using var harness = await TapHarness.StartAsync(LegMode.Implicit, LegMode.Plain, ScaledLimits.With(l => l with { MaxSessions = 200 }));
        var unobserved = new System.Collections.Concurrent.ConcurrentQueue<AggregateException>();
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) => unobserved.Enqueue(e.Exception);
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 600), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, harness.Port, ct);
                tcp.Client.Close(0);
            });
            await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 30 }, async (_, ct) =>
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, harness.Port, ct);
                await using var ssl = new SslStream(tcp.GetStream());
                try
                {
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = harness.ValidateWithTapCa }, ct);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
                {
                    // Past the session cap the tap may refuse with plaintext 421: that is fine for a flood.
                }
            });

            await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "flood sessions are released");
            await harness.SendMessageAsync("g47-probe");
            Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(s_wait));
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var fromTestCode = unobserved.Where(IsFromTestCode).ToList();
            foreach (var ex in fromTestCode)
            {
                output.WriteLine("ignored (test helper, not the tap): " + ex.InnerException?.GetType().Name + ": " + ex.InnerException?.Message);
            }

            var fromTap = unobserved.Except(fromTestCode).ToList();
            Assert.True(fromTap.Count == 0, "unobserved task exceptions:\n" + string.Join("\n----\n", fromTap));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    /// <summary>
    /// An abandoned task of this test assembly's own helpers (a read of a scripted server, a timeout of Task.WaitAsync):
    /// a stack frame in SmtpTap.IntegrationTests, or a TimeoutException with no stack, which only Task.WaitAsync(TimeSpan)
    /// produces and the tap never calls.
    /// </summary>
    private static bool IsFromTestCode(AggregateException ex) => ex.InnerExceptions.All(inner =>
        inner.ToString().Contains("at SmtpTap.IntegrationTests.", StringComparison.Ordinal)
        || (inner is TimeoutException && inner.StackTrace is null));
}
