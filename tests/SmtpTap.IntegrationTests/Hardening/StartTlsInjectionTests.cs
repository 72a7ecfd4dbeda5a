using System.Text;
using SmtpTap.Core.Hosting;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Hardening;

/// <summary>Catalogue part A (docs/security.md): STARTTLS command and response injection, stripping, posture, close_notify.</summary>
public sealed class StartTlsInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A01_PipelinedCommandsAfterStartTls_AreRefusedAndNeverForwarded()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@x>\r\n");
            var refusal = await raw.ExpectAsync(503);
            Assert.StartsWith("5.5.1", refusal.FirstLine, StringComparison.Ordinal);
            Assert.Contains("STARTTLS must be the last command in a group", refusal.FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (ProtocolViolation)");
        output.WriteLine(transcript);
        Assert.Contains("starttls.injection", transcript, StringComparison.Ordinal);
        Assert.Contains("26 bytes followed STARTTLS", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("evil@x", transcript, StringComparison.Ordinal);
        HardeningChecks.NeverReceived(server, "RSET", "MAIL", "STARTTLS");
        await HardeningChecks.SecondSessionWorksAsync(harness);
    }

    [Fact]
    public async Task A01_PlaintextInsteadOfClientHello_HandshakeFailsAndNothingIsExecuted()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("STARTTLS\r\n");
            await raw.ExpectAsync(220);
            await raw.SendAsync("MAIL FROM:<x@x.test>\r\n");
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (ClientTlsFailed)");
        Assert.Contains("TLS handshake with the client failed", transcript, StringComparison.Ordinal);
        HardeningChecks.NeverReceived(server, "MAIL", "STARTTLS");
    }

    [Theory]
    [InlineData("RSET")]
    [InlineData("NOOP")] // relayed as part of a pipelined group: the tap must send it before it waits at STARTTLS
    public async Task A01_PositiveControl_CommandThenStartTlsInOneWrite_250Then220AndHandshakeSucceeds(string command)
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        await raw.SendAsync(command + "\r\nSTARTTLS\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(220);
        await raw.StartTlsAsync(harness.ValidateWithTapCa);
        await raw.SendAsync("EHLO c\r\n");
        Assert.DoesNotContain("STARTTLS", (await raw.ExpectAsync(250)).Lines);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
        Assert.Contains(command, server.ReceivedSnapshot());
        Assert.Contains("TLS established with client (STARTTLS)", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A01_InputArrivingWhileEarlierRepliesAreOwed_IsInjectionToo()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectAsync("RSET");
            await Task.Delay(400);
            await c.SendAsync("250 2.0.0 Ok\r\n");
            while (await c.ReadLineAsync() is not null)
            {
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("RSET\r\nSTARTTLS\r\n");
            await HardeningChecks.WaitForReceivedAsync(server, "RSET");
            await raw.SendAsync("MAIL FROM:<evil@x>\r\n");
            await raw.ExpectAsync(250);
            Assert.Contains("STARTTLS must be the last command", (await raw.ExpectAsync(503)).FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        await harness.WaitForTranscriptAsync("starttls.injection");
        HardeningChecks.NeverReceived(server, "MAIL", "STARTTLS");
    }

    [Fact]
    public async Task A02_StateResetAfterTls_MailBeforeEhlo503_NoStartTlsOffered_SecondStartTls554()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO pre\r\n");
        Assert.Contains("STARTTLS", (await raw.ExpectAsync(250)).Lines);
        await raw.SendAsync("STARTTLS\r\n");
        await raw.ExpectAsync(220);
        await raw.StartTlsAsync(harness.ValidateWithTapCa);
        await raw.SendAsync("MAIL FROM:<a@b.test>\r\n");
        Assert.StartsWith("5.5.1", (await raw.ExpectAsync(503)).FirstLine, StringComparison.Ordinal);
        await raw.SendAsync("EHLO post\r\n");
        Assert.DoesNotContain("STARTTLS", (await raw.ExpectAsync(250)).Lines);
        await raw.SendAsync("STARTTLS\r\n");
        Assert.Equal("5.5.1 Error: TLS already active", (await raw.ExpectAsync(554)).FirstLine);
        await raw.SendAsync("MAIL FROM:<a@b.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);

        HardeningChecks.NeverReceived(server, "STARTTLS");
        Assert.Equal(["EHLO pre", "EHLO post", "MAIL FROM:<a@b.test>", "QUIT"], server.ReceivedSnapshot());
        var transcript = harness.Transcript;
        var tlsAt = transcript.IndexOf("TLS established with client (STARTTLS)", StringComparison.Ordinal);
        Assert.True(transcript.IndexOf("EHLO pre", StringComparison.Ordinal) < tlsAt);
        Assert.True(transcript.IndexOf("EHLO post", StringComparison.Ordinal) > tlsAt);
    }

    [Fact]
    public async Task A03_UpstreamResponseInjectionAfter220_UpstreamAbortedAndClientGets421()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING", "STARTTLS");
            await c.ExpectAsync("STARTTLS");
            await c.SendAsync("220 Ready\r\n250-evil.example\r\n250 AUTH PLAIN LOGIN\r\n");
            while (await c.ReadLineAsync() is not null)
            {
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls);
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            var greeting = await raw.ExpectAsync(421);
            Assert.StartsWith("4.7.0", greeting.FirstLine, StringComparison.Ordinal);
            Assert.Contains("response injection", greeting.FirstLine, StringComparison.Ordinal);
            Assert.DoesNotContain("evil.example", greeting.FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (UpstreamFailed)");
        output.WriteLine(transcript);
        Assert.Contains("starttls.response_injection", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("TLS established with upstream", transcript, StringComparison.Ordinal);
    }

    /// <summary>EAST O_1-O_4 and D_1: the server does not offer STARTTLS, refuses it, or hides EHLO.</summary>
    private static ScriptedServer StrippingServer(string strip) => new(async c =>
    {
        await c.SendAsync("220 scripted.test ESMTP\r\n");
        await c.ExpectAsync("EHLO");
        if (strip == "ehlo-500")
        {
            await c.SendAsync("500 5.5.1 command unrecognized\r\n");
        }
        else
        {
            await c.SendAsync(ScriptedConnection.EhloReply(strip == "no-starttls" ? ["PIPELINING", "AUTH PLAIN"] : ["PIPELINING", "AUTH PLAIN", "STARTTLS"]));
        }

        while (await c.ReadLineAsync() is { } line)
        {
            var reply = line.ToUpperInvariant() switch
            {
                "STARTTLS" => strip switch
                {
                    "502" => "502 5.5.1 Command not implemented\r\n",
                    "454" => "454 4.7.0 TLS not available due to temporary reason\r\n",
                    _ => "354 do something else\r\n",
                },
                "QUIT" => "221 2.0.0 Bye\r\n",
                _ => "250 2.0.0 Ok\r\n",
            };
            await c.SendAsync(reply);
        }
    });

    [Theory]
    [InlineData("no-starttls")]
    [InlineData("502")]
    [InlineData("454")]
    [InlineData("354")]
    [InlineData("ehlo-500")]
    public async Task A04_UpstreamStartTlsStripping_TlsRequired_FailsClosedWith421(string strip)
    {
        await using var server = StrippingServer(strip);
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls);
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            var greeting = await raw.ExpectAsync(421);
            Assert.StartsWith("4.7.0", greeting.FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (UpstreamFailed)");
        Assert.Contains("Upstream failed", transcript, StringComparison.Ordinal);
        HardeningChecks.NeverReceived(server, "AUTH", "MAIL", "RCPT", "DATA", "HELO");
        Assert.DoesNotContain("354", transcript.Split('\n').Where(l => l.Contains("tap>client", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("502")]
    [InlineData("454")]
    [InlineData("354")]
    public async Task A04_UpstreamRefusesOfferedStartTls_AutoPolicy_FailsClosedWith421(string strip)
    {
        await using var server = StrippingServer(strip);
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls, configure: o => o with { UpstreamTls = UpstreamTlsPolicy.Auto });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        Assert.StartsWith("4.7.0", (await raw.ExpectAsync(421)).FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
        HardeningChecks.NeverReceived(server, "AUTH", "MAIL", "RCPT", "DATA");
    }

    [Theory]
    [InlineData("no-starttls")]
    [InlineData("ehlo-500")]
    public async Task A04_UpstreamWithoutStartTls_AutoPolicy_ClientAskingForTlsGets454AndNoStartTlsOffer(string strip)
    {
        await using var server = StrippingServer(strip);
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls, configure: o => o with { UpstreamTls = UpstreamTlsPolicy.Auto, IsLocalAddress = _ => false });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("HELO c\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("EHLO c\r\n");
        var ehlo = await raw.ReadReplyAsync();
        Assert.NotNull(ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo.Lines);
        await raw.SendAsync("STARTTLS\r\n");
        Assert.StartsWith("4.7.0", (await raw.ExpectAsync(454)).FirstLine, StringComparison.Ordinal);
        await raw.SendAsync("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
        Assert.Equal(538, (await raw.ReadReplyAsync())!.Code);
        HardeningChecks.NeverReceived(server, "STARTTLS", "AUTH");
        Assert.Contains("STARTTLS refused", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A04_UpstreamWithoutStartTls_AutoPolicy_ImplicitTlsClientGets421()
    {
        await using var server = StrippingServer("no-starttls");
        await using var harness = await TapHarness.StartScriptedAsync(server, client: LegMode.Implicit, upstream: LegMode.StartTls, configure: o => o with { UpstreamTls = UpstreamTlsPolicy.Auto, IsLocalAddress = _ => false });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.StartTlsAsync(harness.ValidateWithTapCa);
        Assert.StartsWith("4.7.0", (await raw.ExpectAsync(421)).FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
        HardeningChecks.NeverReceived(server, "MAIL", "AUTH");
    }

    [Fact]
    public async Task A05_CapabilitiesAfterTls_ComeOnlyFromThePostTlsEhlo()
    {
        TapHarness? harness = null;
        await using var server = new ScriptedMailServer
        {
            Capabilities = ["PIPELINING", "AUTH PLAIN LOGIN XOAUTH2", "CHUNKING", "SIZE 1000"],
            TlsCapabilities = ["PIPELINING", "AUTH SCRAM-SHA-256 PLAIN", "SIZE 5000000"],
            Leaves = () => harness!.Leaves,
        }.Start();
        harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls);
        await using (harness)
        {
            await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO c\r\n");
            var ehlo = await raw.ExpectAsync(250);
            Assert.Contains("AUTH SCRAM-SHA-256 PLAIN", ehlo.Lines);
            Assert.Contains("SIZE 5000000", ehlo.Lines);
            Assert.DoesNotContain(ehlo.Lines, l => l.Contains("CHUNKING", StringComparison.Ordinal) || l.Contains("XOAUTH2", StringComparison.Ordinal) || l == "SIZE 1000");
            await raw.SendAsync("MAIL FROM:<a@b.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("BDAT 4 LAST\r\nabcd");
            await raw.ExpectAsync(502);
            Assert.Contains("TLS established with upstream", harness.Transcript, StringComparison.Ordinal);
            HardeningChecks.NeverReceived(server, "BDAT");
        }
    }

    [Fact]
    public async Task A06_PlaintextAuth_ServerOffersAuthOnlyAfterTls_Refused530AndNeverForwarded()
    {
        const string canary = "CANARY-A6-7f3e";
        TapHarness? harness = null;
        await using var server = new ScriptedMailServer
        {
            Capabilities = ["PIPELINING"],
            TlsCapabilities = ["PIPELINING", "AUTH PLAIN LOGIN"],
            Leaves = () => harness!.Leaves,
        }.Start();
        harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls, configure: o => o with { IsLocalAddress = _ => false });
        await using (harness)
        {
            await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
            {
                await raw.ExpectAsync(220);
                await raw.SendAsync("EHLO c\r\n");
                var ehlo = await raw.ExpectAsync(250);
                Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
                await raw.SendAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0u\0" + canary)) + "\r\n");
                Assert.Equal("5.7.0 Must issue a STARTTLS command first", (await raw.ExpectAsync(530)).FirstLine);
                await raw.SendAsync("QUIT\r\n");
                await raw.ExpectAsync(221);
            }

            await harness.WaitForTranscriptAsync("Session closed");
            Assert.Contains("AUTH not relayed", harness.Transcript, StringComparison.Ordinal);
            HardeningChecks.NeverReceived(server, "AUTH");
            SecretCanary.AssertAbsent(canary, await harness.AllOutputAsync());
        }
    }

    [Theory]
    [InlineData("after-rcpt")]
    [InlineData("between-bdat-chunks")]
    [InlineData("inside-bdat-chunk")]
    public async Task A07_PlaintextAfterClientCloseNotify_NeverProcessedAndNothingCommitted(string phase)
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "CHUNKING"] }.Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("STARTTLS\r\n");
            await raw.ExpectAsync(220);
            await raw.StartTlsAsync(harness.ValidateWithTapCa);
            await raw.SendAsync("EHLO c\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("MAIL FROM:<a@b.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("RCPT TO:<c@d.test>\r\n");
            await raw.ExpectAsync(250);
            if (phase == "between-bdat-chunks")
            {
                await raw.SendAsync("BDAT 5\r\nhello");
                await raw.ExpectAsync(250);
            }
            else if (phase == "inside-bdat-chunk")
            {
                await raw.SendAsync("BDAT 100\r\nhello");
                await HardeningChecks.WaitForReceivedAsync(server, "BDAT 100");
            }

            await raw.CloseNotifyAsync();
            await raw.SendOnSocketAsync("RSET\r\nMAIL FROM:<x@evil.test>\r\nBDAT 3 LAST\r\nabc");
            Assert.True(await raw.ClosedAsync());
        }

        await harness.WaitForTranscriptAsync("Session closed (ClientClosed)");
        HardeningChecks.NeverReceived(server, "RSET", "MAIL FROM:<x@evil.test>", "BDAT 3");
        Assert.Equal(0, server.Committed);
        await HardeningChecks.SecondSessionWorksAsync(harness);
    }
}
