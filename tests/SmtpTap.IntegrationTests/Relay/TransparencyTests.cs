using System.Text;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.IntegrationTests.Hardening;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Relay;

/// <summary>
/// Sessions that a server takes directly and that the tap once refused, hung on or misreported: through the tap a
/// client must get what the server gives it, except at the documented safety points.
/// </summary>
public sealed class TransparencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LockStepClient_DataRefused_RsetAtOnce_IsACommand_AndTheNextMessageIsDelivered()
    {
        var first = true;
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            while (await c.ReadRawLineAsync() is { } line)
            {
                var verb = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0].ToUpperInvariant();
                if (verb == "DATA" && first)
                {
                    first = false;
                    await c.SendAsync("554 5.5.1 Error: no valid recipients\r\n");
                }
                else if (verb == "DATA")
                {
                    await c.SendAsync("354 go\r\n");
                    await c.ReadDataRawAsync();
                    Interlocked.Increment(ref c.Server.Committed);
                    await c.SendAsync("250 2.0.0 Ok: queued as Q2\r\n");
                }
                else
                {
                    await c.SendAsync(verb == "QUIT" ? "221 bye\r\n" : "250 2.0.0 Ok\r\n");
                }
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<a@x.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("RCPT TO:<nobody@x.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("DATA\r\n");
            await raw.ExpectAsync(554);
            await raw.SendAsync("RSET\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(354);
            await raw.SendAsync("Subject: second\r\n\r\nbody\r\n.\r\nQUIT\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(221);
        }

        Assert.Equal(1, server.Committed);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.DoesNotContain("synchronization", transcript, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TextLineOf3MegabytesOnOneLine_RelayedByteIdentical_AndFlaggedInTheTranscript()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        var html = "<html>" + new string('h', 3 * 1024 * 1024) + "</html>";
        var body = "Subject: crm\r\nContent-Type: text/html\r\n\r\n" + html + "\r\nlast line\r\n.\r\n";
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendAsync(body);
            Assert.StartsWith("2.0.0 Ok: queued", (await raw.ExpectAsync(250)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(body, Encoding.ASCII.GetString(server.Messages.Single()));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains($"Line of {html.Length + 2} octets, over RFC 5321's 1000", transcript, StringComparison.Ordinal);
        Assert.Contains("Message accepted by the server", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LfOnlyClient_Reject_CommandsGet500AtOnce_DataGets550AtItsLfDotLf_NothingDelivered()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO php.example\n");
            var refusal = await raw.ExpectAsync(500);
            Assert.Contains("bare LF", refusal.FirstLine, StringComparison.Ordinal);
            Assert.Contains("--line-endings fix", refusal.FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("EHLO php.example\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.SendAsync("DATA\r\n");
            await raw.ExpectAsync(354);
            await raw.SendAsync("Subject: lf only\n\nhello\n.\n");
            var data = await raw.ExpectAsync(550);
            Assert.StartsWith("5.6.0", data.FirstLine, StringComparison.Ordinal);
            Assert.Contains("bare LF", data.FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(421);
        }

        Assert.Equal(0, server.Committed);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("LF-only line endings", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LfOnlyClient_Fix_WholeSessionNormalisedToCrlf_DeliveredOnce()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { LineEndings = LineEndingPolicy.Fix });
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO php.example\nMAIL FROM:<a@x.test>\nRCPT TO:<b@x.test>\nDATA\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(354);
            await raw.SendAsync("Subject: lf only\n\nhello\n..dotted\n.\nQUIT\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(221);
        }

        Assert.Equal(1, server.Committed);
        Assert.Equal("Subject: lf only\r\n\r\nhello\r\n..dotted\r\n.\r\n", Encoding.ASCII.GetString(server.Messages.Single()));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        output.WriteLine(transcript);
        Assert.Contains("normalised to CRLF", transcript, StringComparison.Ordinal);
        Assert.Contains("5 bare LF line endings normalised", transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DATA\t")]
    [InlineData(" DATA")]
    [InlineData("\tdata")]
    public async Task DataVerbWithServerStyleSeparators_IsAMessage_ItsLongLineIsContentNotACommand(string dataCommand)
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        var body = "Subject: tab\r\n\r\n" + new string('x', 600) + "\r\n.\r\n";
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.SendAsync(dataCommand + "\r\n");
            await raw.ExpectAsync(354);
            await raw.SendAsync(body);
            await raw.ExpectAsync(250);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(body, Encoding.ASCII.GetString(server.Messages.Single()));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("messages relayed: 1, accepted by the server: 1", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BdatWithTabSeparators_IsAChunkedMessage()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "CHUNKING"] }.Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        var chunk = "Subject: bdat\r\n\r\nhi\r\n";
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.SendAsync($"BDAT\t{chunk.Length}\tLAST\r\n" + chunk);
            await raw.ExpectAsync(250);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(1, server.Committed);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("messages relayed: 1, accepted by the server: 1", transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mirror", false)]
    [InlineData("always", true)]
    public async Task ServerWithoutTls_ClientLegStartTlsMirrorsTheServer(string option, bool offered)
    {
        var policy = option == "always" ? ClientStartTlsPolicy.Always : ClientStartTlsPolicy.Mirror;
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { ClientStartTls = policy });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO nodemailer.example\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Equal(offered, ehlo.Lines.Contains("STARTTLS"));
        if (!offered)
        {
            await raw.SendAsync("STARTTLS\r\n");
            // What a server that does not implement STARTTLS answers (Postfix: 502 5.5.1).
            Assert.StartsWith("5.5.1", (await raw.ExpectAsync(502)).FirstLine, StringComparison.Ordinal);
            var transcript = await harness.WaitForTranscriptAsync("STARTTLS refused");
            Assert.DoesNotContain("added STARTTLS", transcript, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ServerOfferingStartTls_Mirror_OffersItToThePlaintextClient()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls, configure: o => o with { ClientStartTls = ClientStartTlsPolicy.Mirror });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO app.example\r\n");
        var ehlo = await raw.ExpectAsync(250);
        Assert.Contains("STARTTLS", ehlo.Lines);
    }

    [Fact]
    public async Task AuthPlainEmpty_RefusedThenTheBlobOnTheNextLine_MaskedAsUnrecognised_EchoMaskedToo()
    {
        const string secret = "Unrecognised-Blob-pw-91";
        var blob = Convert.ToBase64String(Encoding.ASCII.GetBytes("\0user@x.test\0" + secret));
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("AUTH PLAIN");
            while (await c.ReadRawLineAsync() is { } line)
            {
                if (line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase))
                {
                    await c.SendAsync("535 5.7.8 Error: authentication failed: empty\r\n");
                }
                else if (line == "QUIT")
                {
                    await c.SendAsync("221 bye\r\n");
                    return;
                }
                else
                {
                    await c.SendAsync("500 5.5.2 unrecognized command '" + line + "'\r\n");
                }
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("AUTH PLAIN =\r\n");
            await raw.ExpectAsync(535);
            await raw.SendAsync(blob + "\r\n");
            await raw.ExpectAsync(500);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        await harness.WaitForTranscriptAsync("Session closed");
        var all = await harness.AllOutputAsync();
        output.WriteLine(all);
        // Masked as an unrecognised line, or (if it reached the socket before the tap looked) as sent during AUTH.
        Assert.Contains("******** [", all, StringComparison.Ordinal);
        Assert.Contains(", " + blob.Length + " octets]", all, StringComparison.Ordinal);
        Assert.Contains("unrecognized command '********'", all, StringComparison.Ordinal);
        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, all);
        Assert.DoesNotContain(blob, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageJustUnderTheServersSize_WithStuffingDots_IsRelayed_Rfc1870DoesNotCountThem()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "SIZE 100"] }.Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);

        // 22 lines of "..x": 5 octets each on the wire (110 in all), 4 each as RFC 1870 counts them (88).
        var body = string.Concat(Enumerable.Repeat("..x\r\n", 22)) + ".\r\n";
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendAsync(body);
            await raw.ExpectAsync(250);
        }

        Assert.Equal(body, Encoding.ASCII.GetString(server.Messages.Single()));
    }
}
