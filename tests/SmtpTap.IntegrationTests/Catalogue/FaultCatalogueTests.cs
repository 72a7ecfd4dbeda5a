using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpTap.Core.Hosting;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>Catalogue part F (faults): a scripted upstream fails at each phase; the client never sees a 250 the server did not give.</summary>
public sealed class FaultCatalogueTests(ITestOutputHelper output)
{
    private const string Message = "Subject: fault\r\n\r\nhello\r\n.\r\n";

    private static async Task<RawSmtpClient> OpenEnvelopeAsync(TapHarness harness)
    {
        var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO client.test\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("RCPT TO:<b@example.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(354);
        return raw;
    }

    private static async Task ServeEnvelopeAsync(ScriptedConnection c, params string[] capabilities)
    {
        await c.GreetAndEhloAsync(capabilities.Length == 0 ? ["PIPELINING"] : capabilities);
        await c.ExpectAsync("MAIL FROM");
        await c.SendAsync("250 2.1.0 Ok\r\n");
        await c.ExpectAsync("RCPT TO");
        await c.SendAsync("250 2.1.5 Ok\r\n");
    }

    [Fact]
    public async Task F37_UpstreamRefused_ClientGets421AndClose()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var deadPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, o => o with { Upstream = new UpstreamEndpoint(UpstreamKind.Smtp, "127.0.0.1", deadPort), UpstreamTls = UpstreamTlsPolicy.None });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var reply = await raw.ExpectAsync(421);
        Assert.StartsWith("4.4.1", reply.FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
    }

    [Theory]
    [InlineData("eof", 421)]
    [InlineData("rst", 421)]
    [InlineData("stall", 421)]
    [InlineData("554", 554)]
    public async Task F37_UpstreamFailsAtGreeting_ClientGets421OrTheRelayed554(string fault, int expected)
    {
        await using var server = new ScriptedServer(async c =>
        {
            if (fault == "554")
            {
                await c.SendAsync("554 5.7.1 No service for you\r\n");
                await ScriptedFaults.DrainUntilClosedAsync(c);
                return;
            }

            await ScriptedFaults.ApplyAsync(c, fault);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { ServerReplyTimeout = TimeSpan.FromMilliseconds(400) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var reply = await raw.ExpectAsync(expected);
        output.WriteLine(reply.Code + " " + reply.FirstLine);
        if (expected == 421)
        {
            Assert.True(await raw.ClosedAsync());
        }
    }

    [Theory]
    [InlineData("ehlo", "eof")]
    [InlineData("ehlo", "rst")]
    [InlineData("ehlo", "stall")]
    [InlineData("auth", "eof")]
    [InlineData("auth", "stall")]
    [InlineData("mail", "eof")]
    [InlineData("mail", "rst")]
    [InlineData("mail", "stall")]
    [InlineData("rcpt", "eof")]
    [InlineData("rcpt", "stall")]
    [InlineData("rcpt", "421")]
    public async Task F38_UpstreamFailsDuringEnvelope_PendingCommandGets421AndBothLegsClose(string phase, string fault)
    {
        var sawData = false;
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 scripted.test ESMTP\r\n");
            await c.ExpectAsync("EHLO");
            if (phase == "ehlo")
            {
                await ScriptedFaults.ApplyAsync(c, fault);
                return;
            }

            await c.SendAsync(ScriptedConnection.EhloReply("PIPELINING", "AUTH PLAIN"));
            if (phase == "auth")
            {
                await c.ExpectAsync("AUTH PLAIN");
                await c.SendAsync("334 \r\n");
                await c.ReadLineAsync();
                await ScriptedFaults.ApplyAsync(c, fault);
                return;
            }

            await c.ExpectAsync("MAIL FROM");
            if (phase == "mail")
            {
                await ScriptedFaults.ApplyAsync(c, fault);
                return;
            }

            await c.SendAsync("250 2.1.0 Ok\r\n");
            await c.ExpectAsync("RCPT TO");
            await ScriptedFaults.ApplyAsync(c, fault);
            if (fault == "421")
            {
                sawData = (await c.ReadLineAsync())?.StartsWith("DATA", StringComparison.Ordinal) == true;
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { ServerReplyTimeout = TimeSpan.FromMilliseconds(400) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO client.test\r\n");
        if (phase != "ehlo")
        {
            await raw.ExpectAsync(250);
            if (phase == "auth")
            {
                await raw.SendAsync("AUTH PLAIN\r\n");
                await raw.ExpectAsync(334);
                await raw.SendAsync(Convert.ToBase64String("\0user\0CANARY-F38"u8.ToArray()) + "\r\n");
            }
            else
            {
                await raw.SendAsync("MAIL FROM:<a@example.test>\r\n");
                if (phase == "rcpt")
                {
                    await raw.ExpectAsync(250);
                    await raw.SendAsync("RCPT TO:<b@example.test>\r\n");
                }
            }
        }

        var reply = await raw.ExpectAsync(421);
        output.WriteLine(reply.FirstLine);
        Assert.True(await raw.ClosedAsync());
        Assert.False(sawData);
        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("DATA", StringComparison.Ordinal));
        await harness.WaitForTranscriptAsync("Session closed");
    }

    [Fact]
    public async Task F39_UpstreamDropsDuringContent_ClientNeverGets250AndServerNeverGetsTheDot()
    {
        var gotDot = false;
        await using var server = new ScriptedServer(async c =>
        {
            await ServeEnvelopeAsync(c);
            await c.ExpectAsync("DATA");
            await c.SendAsync("354 go ahead\r\n");
            var received = 0;
            while (received < 10 * 1024 && await c.ReadLineAsync() is { } line)
            {
                gotDot |= line == ".";
                received += line.Length + 2;
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l));
        await using var raw = await OpenEnvelopeAsync(harness);
        var line = Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n");
        try
        {
            for (var i = 0; i < 1024; i++)
            {
                await raw.SendAsync(line);
            }

            await raw.SendAsync(".\r\n");
        }
        catch (IOException)
        {
            // The tap may close the client leg early: allowed ("or an early close").
        }

        var reply = await raw.ReadReplyAsync();
        output.WriteLine(reply is null ? "<closed>" : reply.Code + " " + reply.FirstLine);
        Assert.True(reply is null || reply.Code == 451, "only 451 (message not confirmed) or an early close are acceptable");
        Assert.False(gotDot);
        Assert.DoesNotContain("Message accepted by the server", harness.Transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eof")]
    [InlineData("rst")]
    [InlineData("stall")]
    public async Task F40_UpstreamDropsOrStallsAfterFinalDot_ClientGets451(string fault)
    {
        await using var server = new ScriptedServer(async c =>
        {
            await ServeEnvelopeAsync(c);
            await c.ExpectAsync("DATA");
            await c.SendAsync("354 go ahead\r\n");
            await c.ReadDataAsync();
            await ScriptedFaults.ApplyAsync(c, fault);
        });
        var endOfData = TimeSpan.FromMilliseconds(500);
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l with { EndOfDataTimeout = endOfData }));
        await using var raw = await OpenEnvelopeAsync(harness);
        var sent = System.Diagnostics.Stopwatch.StartNew();
        await raw.SendAsync(Message);
        var reply = await raw.ExpectAsync(451);
        output.WriteLine(reply.FirstLine);
        Assert.Contains("may or may not have been delivered", reply.FirstLine, StringComparison.Ordinal);
        if (fault == "stall")
        {
            Assert.True(sent.Elapsed >= endOfData * 0.9, "the tap must wait the whole end-of-data timeout before giving up");
        }

        await harness.WaitForTranscriptAsync("possible duplicate");
    }

    [Theory]
    [InlineData("data-fin")]
    [InlineData("data-rst")]
    [InlineData("data-close-notify")]
    [InlineData("bdat-mid-chunk")]
    [InlineData("bdat-between-chunks")]
    public async Task F41_ClientDropsMidDataOrBdat_UpstreamNeverSeesFinalDotOrBdatLast(string variant)
    {
        var upstreamClosed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ScriptedServer(async c =>
        {
            await ServeEnvelopeAsync(c, "PIPELINING", "CHUNKING");
            if (variant.StartsWith("bdat", StringComparison.Ordinal))
            {
                var bdat = await c.ExpectAsync("BDAT");
                if (variant == "bdat-between-chunks")
                {
                    await c.ReadLineAsync();
                    await c.SendAsync("250 2.0.0 chunk ok\r\n");
                }
            }
            else
            {
                await c.ExpectAsync("DATA");
                await c.SendAsync("354 go ahead\r\n");
            }

            upstreamClosed.TrySetResult(await ScriptedFaults.DrainUntilClosedAsync(c));
        });
        var tls = variant == "data-close-notify";
        await using var harness = await TapHarness.StartScriptedAsync(server, client: tls ? LegMode.Implicit : LegMode.Plain, configure: ScaledLimits.With(l => l));
        if (tls)
        {
            await using var client = await TlsRawClient.ConnectAsync(harness);
            await client.SendAsync("EHLO c\r\nMAIL FROM:<a@example.test>\r\n");
            await client.ReadLinesUntilAsync("250 2.1.0");
            await client.SendAsync("RCPT TO:<b@example.test>\r\n");
            await client.ReadLinesUntilAsync("250 2.1.5");
            await client.SendAsync("DATA\r\n");
            await client.ReadLinesUntilAsync("354");
            await client.SendAsync("Subject: half\r\n\r\nfirst half\r\n");
            await client.CloseNotifyThenPlaintextAsync("\r\n.\r\nMAIL FROM:<x@evil.test>\r\n");
        }
        else
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, harness.Port);
            var stream = tcp.GetStream();
            var greeting = new byte[512];
            _ = await stream.ReadAsync(greeting);
            await stream.WriteAsync("EHLO c\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n"u8.ToArray());
            await Task.Delay(200);
            var half = variant switch
            {
                "bdat-mid-chunk" => "BDAT 100 LAST\r\nSubject: half\r\n\r\nonly part of the chunk\r\n",
                "bdat-between-chunks" => "BDAT 12\r\nSubject: a\r\n\r\n",
                _ => "DATA\r\n",
            };
            await stream.WriteAsync(Encoding.ASCII.GetBytes(half));
            await Task.Delay(300);
            if (variant.StartsWith("data", StringComparison.Ordinal))
            {
                await stream.WriteAsync("Subject: half\r\n\r\nfirst half\r\n"u8.ToArray());
                await Task.Delay(100);
            }

            if (variant == "data-rst")
            {
                tcp.Client.Close(0);
            }
            else
            {
                tcp.Client.Shutdown(SocketShutdown.Send);
                await Task.Delay(100);
                tcp.Dispose();
            }
        }

        Assert.True(await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(30)), "the tap must close the upstream connection");
        var received = server.ReceivedSnapshot();
        output.WriteLine(string.Join("\n", received));
        Assert.DoesNotContain(".", received);
        Assert.DoesNotContain(received, l => l.StartsWith("BDAT", StringComparison.Ordinal) && l.EndsWith("LAST", StringComparison.Ordinal) && variant == "bdat-between-chunks");
        Assert.DoesNotContain(received, l => l.Contains("evil", StringComparison.Ordinal));
        Assert.DoesNotContain("Message accepted by the server", harness.Transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250 2.0.0 Ok: queued as Q1\r\n", "Message delivered (the server answered 250 2.0.0 Ok: queued as Q1)")]
    [InlineData("451 4.3.0 Try later\r\n", "the server did not accept the message (451 4.3.0 Try later), so nothing was delivered")]
    public async Task F42_ClientDropsAfterFinalDot_TapStillReadsAndLogsTheServersVerdict(string verdict, string expectedLog)
    {
        await using var server = new ScriptedServer(async c =>
        {
            await ServeEnvelopeAsync(c);
            await c.ExpectAsync("DATA");
            await c.SendAsync("354 go ahead\r\n");
            await c.ReadDataAsync();
            await Task.Delay(300);
            await c.SendAsync(verdict);
            await ScriptedFaults.DrainUntilClosedAsync(c);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l));
        var raw = await OpenEnvelopeAsync(harness);
        await raw.SendAsync(Message);
        await raw.DisposeAsync();
        var transcript = await harness.WaitForTranscriptAsync(expectedLog);
        output.WriteLine(transcript);
        Assert.Contains(verdict.TrimEnd(), transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250 2.0.0 queued as P1")]
    [InlineData("554 5.7.1 rejected by policy")]
    [InlineData("452 4.3.1 insufficient storage")]
    public async Task F43_PipelinedPerRecipientReplies_RelayedInOrderAndEndOfDataVerdictUnchanged(string verdict)
    {
        var dataLines = new List<string>();
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectAsync("MAIL FROM");
            await c.ExpectAsync("RCPT TO:<a@");
            await c.ExpectAsync("RCPT TO:<b@");
            await c.ExpectAsync("RCPT TO:<c@");
            await c.ExpectAsync("DATA");
            await c.SendAsync("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n451 4.3.0 Try later\r\n354 go ahead\r\n");
            dataLines.AddRange(await c.ReadDataAsync());
            await c.SendAsync(verdict + "\r\n");
            await ScriptedFaults.DrainUntilClosedAsync(c);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: ScaledLimits.With(l => l));
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        await raw.SendAsync("MAIL FROM:<s@example.test>\r\nRCPT TO:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n");
        foreach (var code in new[] { 250, 250, 550, 451, 354 })
        {
            await raw.ExpectAsync(code);
        }

        await raw.SendAsync(Message);
        var final = await raw.ExpectAsync(int.Parse(verdict[..3], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(verdict[4..], final.FirstLine);
        Assert.Equal(["Subject: fault", string.Empty, "hello"], dataLines);
        Assert.Equal(1, server.Connections);
    }
}
