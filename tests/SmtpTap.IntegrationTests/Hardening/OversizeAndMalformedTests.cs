using System.Text;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Hardening;

/// <summary>Catalogue part C (docs/security.md): oversized and malformed input on both legs, log injection.</summary>
public sealed class OversizeAndMalformedTests(ITestOutputHelper output)
{
    private static async Task<RawSmtpClient> OpenAsync(TapHarness harness)
    {
        var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO c\r\n");
        await raw.ExpectAsync(250);
        return raw;
    }

    /// <summary>A command line of exactly <paramref name="octets"/> octets including CRLF.</summary>
    private static string CommandOf(string prefix, int octets, string suffix = "") => prefix + new string('x', octets - prefix.Length - suffix.Length - 2) + suffix + "\r\n";

    [Theory]
    [InlineData("NOOP ", "")]
    [InlineData("RCPT TO:<", "@example.test>")]
    public async Task C14_CommandLineOf512Octets_ForwardedUnchanged(string prefix, string suffix)
    {
        var line = CommandOf(prefix, 512, suffix);
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            if (prefix.StartsWith("RCPT", StringComparison.Ordinal))
            {
                await raw.SendAsync("MAIL FROM:<a@b.test>\r\n");
                await raw.ExpectAsync(250);
            }

            await raw.SendAsync(line);
            await raw.ExpectAsync(250);
        }

        Assert.Contains(line[..^2], server.ReceivedSnapshot());
    }

    [Fact]
    public async Task C14_CommandLineOverTheDefaultLimit_500LineTooLongNotForwardedAndSessionGoesOn()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            await raw.SendAsync(CommandOf("NOOP ", 20000));
            var refusal = await raw.ExpectAsync(500);
            Assert.StartsWith("5.5.6", refusal.FirstLine, StringComparison.Ordinal);
            Assert.Contains("line too long", refusal.FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("NOOP\r\n");
            await raw.ExpectAsync(250);
        }

        Assert.Equal(["EHLO c", "NOOP"], server.ReceivedSnapshot());
    }

    [Fact]
    public async Task C14_MaxCommandLineIsConfigurable()
    {
        var line = CommandOf("NOOP ", 600);
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { Limits = o.Limits with { MaxCommandLine = 1024 } });
        await using (var raw = await OpenAsync(harness))
        {
            await raw.SendAsync(line);
            await raw.ExpectAsync(250);
        }

        Assert.Contains(line[..^2], server.ReceivedSnapshot());
    }

    [Fact]
    public async Task C14_EndlessLineWithoutCrlf_DiscardLimitThenClosedWithBoundedReading()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        long sent = 0;
        await using (var raw = await OpenAsync(harness))
        {
            var chunk = Encoding.ASCII.GetBytes(new string('z', 64 * 1024));
            try
            {
                while (sent < 100L * 1024 * 1024)
                {
                    await raw.SendAsync(chunk);
                    sent += chunk.Length;
                }
            }
            catch (IOException)
            {
            }
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (ProtocolViolation)");
        output.WriteLine($"sent {sent} octets before the tap closed");
        Assert.True(sent < 32L * 1024 * 1024, $"the tap kept reading: {sent} octets");
        Assert.Contains("Over-long line without CRLF", transcript, StringComparison.Ordinal);
        Assert.Equal(["EHLO c"], server.ReceivedSnapshot());
        await HardeningChecks.SecondSessionWorksAsync(harness);
    }

    [Fact]
    public async Task C14_TwentyUnknownCommands_ErrorCapGives421AndClose()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            for (var i = 1; i <= 20; i++)
            {
                await raw.SendAsync("XYZZY " + i + "\r\n");
                await raw.ExpectAsync(500);
            }

            Assert.StartsWith("4.7.0", (await raw.ExpectAsync(421)).FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        Assert.Equal(20, server.ReceivedSnapshot().Count(l => l.StartsWith("XYZZY", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task C15_TextLinesOf1000OctetsAndStuffed1001_RelayedUnchanged()
    {
        var body = Encoding.ASCII.GetBytes("Subject: l\r\n\r\n" + new string('a', 998) + "\r\n.." + new string('b', 997) + "\r\n.\r\n");
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendAsync(body);
            await raw.ExpectAsync(250);
        }

        Assert.Equal(body, server.Messages.Single());
    }

    [Fact]
    public async Task C14_CommandLinesServersTake_600OctetNoopAnd2000OctetMail_RelayedByDefault()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            var noop = CommandOf("NOOP ", 600);
            await raw.SendAsync(noop);
            await raw.ExpectAsync(250);
            var mail = "MAIL FROM:<" + new string('m', 2000 - 16) + "@x>\r\n";
            Assert.Equal(2000, mail.Length);
            await raw.SendAsync(mail);
            await raw.ExpectAsync(250);
        }

        Assert.Equal(3, server.ReceivedSnapshot().Length);
    }

    [Theory]
    [InlineData(999)]
    [InlineData(10 * 1024 * 1024)]
    public async Task C15_TextLineOverEnforcedLimit_RefusedAfterEndOfDataInBoundedMemory(int textOctets)
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { Limits = o.Limits with { MaxDataLine = 1000 } });
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendAsync("Subject: long\r\n\r\n");
            var chunk = Encoding.ASCII.GetBytes(new string('q', Math.Min(textOctets, 64 * 1024)));
            for (var sent = 0; sent < textOctets; sent += chunk.Length)
            {
                await raw.SendAsync(chunk.AsMemory(0, Math.Min(chunk.Length, textOctets - sent)));
            }

            await raw.SendAsync("\r\nmore\r\n.\r\n");
            var refusal = await raw.ExpectAsync(500);
            Assert.StartsWith("5.5.6", refusal.FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(421);
        }

        Assert.Equal(0, server.Committed);
        Assert.DoesNotContain(".", server.ReceivedSnapshot());
        await HardeningChecks.SecondSessionWorksAsync(harness);
    }

    [Fact]
    public async Task C15_MessageOverSizeLimit_DataReadToEnd552AndUpstreamAbortedWithoutDot()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { Limits = o.Limits with { MaxMessageSize = 1024 * 1024 } });
        await using (var raw = await HardeningChecks.OpenDataAsync(harness, "MAIL FROM:<a@x.test> SIZE=1000"))
        {
            var line = Encoding.ASCII.GetBytes(new string('m', 998) + "\r\n");
            var block = Enumerable.Repeat(line, 64).SelectMany(l => l).ToArray();
            for (var sent = 0; sent < 2 * 1024 * 1024; sent += block.Length)
            {
                await raw.SendAsync(block);
            }

            await raw.SendAsync(".\r\n");
            Assert.StartsWith("5.3.4", (await raw.ExpectAsync(552)).FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(421);
            Assert.True(await raw.ClosedAsync());
        }

        Assert.Equal(0, server.Committed);
        Assert.DoesNotContain(".", server.ReceivedSnapshot());
    }

    /// <summary>
    /// CI finding (2026-12-04): the tap cut the upstream of a refused message by disposing it while the server pump was
    /// about to read it; the read of the completed reader threw InvalidOperationException and the session ended
    /// without its close event. Content pipelined behind DATA makes the refusal land right after the 354.
    /// </summary>
    [Fact]
    public async Task C15_ManyMessagesOverSizeLimit_EverySessionGets552421AndItsCloseEvent()
    {
        const int sessions = 40;
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { Limits = o.Limits with { MaxMessageSize = 1000 } });
        var content = "Subject: over\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('m', 98) + "\r\n", 12)) + ".\r\n";
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async _ =>
        {
            await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.SendAsync("DATA\r\n" + content);
            await raw.ExpectAsync(354);
            Assert.StartsWith("5.3.4", (await raw.ExpectAsync(552)).FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(421);
            Assert.True(await raw.ClosedAsync());
        }));

        var transcript = await harness.WaitForTranscriptAsync("Session closed (ProtocolViolation)", sessions);
        Assert.DoesNotContain("InternalError", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("failed unexpectedly", await harness.AllOutputAsync(), StringComparison.Ordinal);
        Assert.Equal(0, server.Committed);
    }

    [Fact]
    public async Task C15_DeclaredSizeOverAdvertisedMaximum_552AtMailNotForwarded()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "SIZE 1000"] }.Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            await raw.SendAsync("MAIL FROM:<a@b.test> SIZE=5000\r\n");
            Assert.StartsWith("5.3.4", (await raw.ExpectAsync(552)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("MAIL FROM:<a@b.test> SIZE=900\r\n");
            await raw.ExpectAsync(250);
        }

        Assert.Equal(["EHLO c", "MAIL FROM:<a@b.test> SIZE=900"], server.ReceivedSnapshot());
    }

    [Fact]
    public async Task C15_OwnSizeLimitLowersAdvertisedSize()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "SIZE 50000000"] }.Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { Limits = o.Limits with { MaxMessageSize = 1000 } });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO c\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Contains("SIZE 1000", ehlo.Lines);
        Assert.DoesNotContain("SIZE 50000000", ehlo.Lines);
    }

    private static ScriptedServer AuthServer() => new(async c =>
    {
        await c.GreetAndEhloAsync("PIPELINING", "AUTH PLAIN XOAUTH2");
        while (await c.ReadLineAsync() is { } line)
        {
            var reply = line switch
            {
                _ when line.StartsWith("AUTH XOAUTH2 ", StringComparison.Ordinal) => "235 2.7.0 ok\r\n",
                _ when line.StartsWith("AUTH", StringComparison.Ordinal) => "334 \r\n",
                "*" => "501 5.7.0 cancelled\r\n",
                "NOOP" => "250 2.0.0 Ok\r\n",
                "QUIT" => "221 2.0.0 Bye\r\n",
                _ => "535 5.7.8 bad\r\n",
            };
            await c.SendAsync(reply);
        }
    });

    [Fact]
    public async Task C16_AuthContinuationOf12288Octets_ForwardedUnchangedAndRedacted()
    {
        var payload = CanaryPayload(12288 - 2);
        await using var server = AuthServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            await raw.SendAsync("AUTH PLAIN\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(payload + "\r\n");
            await raw.ExpectAsync(535);
        }

        Assert.Contains(payload, server.ReceivedSnapshot());
        var all = await harness.AllOutputAsync();
        Assert.DoesNotContain(payload[..64], all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task C16_AuthContinuationOver12288Octets_500AndExchangeCancelledUpstream()
    {
        var payload = CanaryPayload(12289);
        await using var server = AuthServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            await raw.SendAsync("AUTH PLAIN\r\n");
            await raw.ExpectAsync(334);
            await raw.SendAsync(payload + "\r\n");
            Assert.Equal("5.5.6 Authentication Exchange line is too long", (await raw.ExpectAsync(500)).FirstLine);
            await raw.SendAsync("NOOP\r\n");
            await raw.ExpectAsync(250);
        }

        Assert.Equal(["EHLO c", "AUTH PLAIN", "*", "NOOP"], server.ReceivedSnapshot());
        var all = await harness.AllOutputAsync();
        Assert.DoesNotContain(payload[..64], all, StringComparison.Ordinal);
        Assert.DoesNotContain("501 5.7.0 cancelled", all.Split('\n').Where(l => l.Contains("tap>client", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task C16_AuthXoauth2With4KbInitialResponse_AcceptedOnTheCommandLine()
    {
        var token = "user=u@example.test\u0001auth=Bearer " + new string('T', 3000) + "\u0001\u0001";
        var line = "AUTH XOAUTH2 " + Convert.ToBase64String(Encoding.ASCII.GetBytes(token));
        Assert.True(line.Length > 4000);
        await using var server = AuthServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            await raw.SendAsync(line + "\r\n");
            await raw.ExpectAsync(235);
        }

        Assert.Contains(line, server.ReceivedSnapshot());
        SecretCanary.AssertAbsent(new string('T', 3000), await harness.AllOutputAsync());
    }

    private static string CanaryPayload(int length)
    {
        var unit = Convert.ToBase64String(Encoding.ASCII.GetBytes("CANARY-C16-secret!"));
        var sb = new StringBuilder();
        while (sb.Length < length)
        {
            sb.Append(unit);
        }

        return sb.ToString(0, length);
    }

    [Theory]
    [InlineData("100 KB line")]
    [InlineData("100000 lines")]
    [InlineData("250-a 251 b")]
    [InlineData("600 x")]
    [InlineData("2x0 y")]
    [InlineData("25")]
    [InlineData("bare LF")]
    [InlineData("bare CR")]
    [InlineData("250- then eof")]
    [InlineData("unsolicited")]
    public async Task C17_UpstreamReplyAbuse_ClientGets421AndMalformedBytesNeverForwarded(string abuse)
    {
        var bytes = abuse switch
        {
            "100 KB line" => "250 " + new string('x', 100 * 1024) + "\r\n",
            "100000 lines" => string.Concat(Enumerable.Repeat("250-x\r\n", 100_000)) + "250 x\r\n",
            "250-a 251 b" => "250-a\r\n251 b\r\n",
            "600 x" => "600 x\r\n",
            "2x0 y" => "2x0 y\r\n",
            "25" => "25\r\n",
            "bare LF" => "250 ok\nfake\r\n",
            "bare CR" => "250 ok\rfake\r\n",
            "250- then eof" => "250-\r\n",
            _ => "250 extra\r\n",
        };
        var connections = 0;
        await using var server = new ScriptedServer(async c =>
        {
            if (Interlocked.Increment(ref connections) > 1)
            {
                await new ScriptedMailServer().ServeAsync(c);
                return;
            }

            await c.GreetAndEhloAsync("PIPELINING");
            if (abuse == "unsolicited")
            {
                await c.SendAsync(bytes);
            }
            else
            {
                await c.ExpectAsync("NOOP");
                await c.SendAsync(bytes);
            }

            if (abuse != "250- then eof")
            {
                while (await c.ReadLineAsync() is not null)
                {
                }
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenAsync(harness))
        {
            if (abuse != "unsolicited")
            {
                await raw.SendAsync("NOOP\r\n");
            }

            var reply = await raw.ExpectAsync(421);
            output.WriteLine(harness.Transcript);
            Assert.Contains("smtptap", reply.FirstLine, StringComparison.Ordinal);
            Assert.DoesNotContain("fake", reply.FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("Upstream lost", transcript, StringComparison.Ordinal);
        await HardeningChecks.SecondSessionWorksAsync(harness);
    }

    [Fact]
    public async Task C17_ReplyWithCodeOnly_IsAccepted()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectReplyAsync("NOOP", "250\r\n");
            await c.ExpectReplyAsync("QUIT", "221 2.0.0 Bye\r\n");
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await OpenAsync(harness);
        await raw.SendAsync("NOOP\r\n");
        await raw.ExpectAsync(250);
        await raw.SendAsync("QUIT\r\n");
        await raw.ExpectAsync(221);
    }

    [Fact]
    public async Task C17_MalformedReplyToEndOfData_ClientGets451NeverA250()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectReplyAsync("MAIL", "250 2.1.0 Ok\r\n");
            await c.ExpectReplyAsync("RCPT", "250 2.1.5 Ok\r\n");
            await c.ExpectReplyAsync("DATA", "354 go ahead\r\n");
            await c.ReadDataAsync();
            await c.SendAsync("250 ok\nfake\r\n");
            while (await c.ReadLineAsync() is not null)
            {
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await HardeningChecks.OpenDataAsync(harness);
        await raw.SendAsync("Subject: s\r\n\r\nbody\r\n.\r\n");
        await raw.ExpectAsync(451);
        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task C18_LogInjectionAndInvalidUtf8_EscapedInTranscriptBytesRelayedUnchanged()
    {
        var ehlo = "EHLO \u001b[2J\u202e evil"u8.ToArray();
        byte[] invalid = [.. "NOOP "u8.ToArray(), 0xc3, 0x28];
        var utf8Mail = "MAIL FROM:<jörg@exämple.test> SMTPUTF8";
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING", "SMTPUTF8");
            await c.ExpectReplyAsync("NOOP", "250 2.0.0 \u001b]0;x\u0007 ok\r\n");
            await c.ExpectReplyAsync("MAIL", "250 2.1.0 Ok\r\n");
            await c.ExpectReplyAsync("QUIT", "221 2.0.0 Bye\r\n");
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync((byte[])[.. ehlo, .. "\r\n"u8.ToArray()]);
            await raw.ExpectAsync(250);
            await raw.SendAsync((byte[])[.. invalid, .. "\r\n"u8.ToArray()]);
            Assert.Equal("2.0.0 \\x1b]0;x\\x07 ok", (await raw.ExpectAsync(250)).FirstLine);
            await raw.SendAsync(utf8Mail + "\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        var received = server.RawReceived();
        Assert.True(received.AsSpan().IndexOf(ehlo) >= 0, "EHLO bytes must be forwarded unchanged");
        Assert.True(received.AsSpan().IndexOf(invalid) >= 0, "invalid UTF-8 must be forwarded unchanged");
        Assert.True(received.AsSpan().IndexOf(Encoding.UTF8.GetBytes(utf8Mail)) >= 0);

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        output.WriteLine(transcript);
        Assert.Contains("EHLO \\x1b[2J\\u{202E} evil", transcript, StringComparison.Ordinal);
        Assert.Contains("NOOP \\xc3(", transcript, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 \\x1b]0;x\\x07 ok", transcript, StringComparison.Ordinal);
        Assert.Contains(utf8Mail, transcript, StringComparison.Ordinal);
        var all = await harness.AllOutputAsync();
        Assert.DoesNotContain('\u001b', all);
        Assert.DoesNotContain('\u202e', all);
        Assert.DoesNotContain('\u0007', all);
        Assert.Single(transcript.Split('\n'), l => l.Contains("EHLO \\x1b", StringComparison.Ordinal));
    }
}
