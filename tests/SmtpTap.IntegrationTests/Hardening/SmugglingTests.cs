using System.Text;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Hardening;

/// <summary>Catalogue part B (docs/security.md): smuggling, line endings, dot-stuffing, synchronisation, BDAT.</summary>
public sealed class SmugglingTests(ITestOutputHelper output)
{
    private const string SmuggledTail = "MAIL FROM:<smuggled@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nSubject: smuggled\r\n\r\nbad\r\n";

    private static byte[] SmugglingBody(string variant) => Encoding.Latin1.GetBytes("Subject: t\r\n\r\nhello" + variant + SmuggledTail + "\r\n.\r\n");

    [Theory]
    [MemberData(nameof(SmugglingVariants.FakeEndOfData), MemberType = typeof(SmugglingVariants))]
    public async Task B08_FakeEndOfDataVariant_Refused550AfterRealEnd_UpstreamNeverGetsDotOrSmuggledCommands(string variant)
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendAsync(SmugglingBody(variant));
            var refusal = await raw.ExpectAsync(550);
            Assert.StartsWith("5.6.0", refusal.FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(421);
            Assert.True(await raw.ClosedAsync());
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (ProtocolViolation)");
        output.WriteLine(transcript);
        Assert.Contains("smuggling.suspect", transcript, StringComparison.Ordinal);
        Assert.Contains("at message offset", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("250 2.0.0 Ok: queued", transcript, StringComparison.Ordinal);
        Assert.Equal(0, server.Committed);
        Assert.DoesNotContain(".", server.ReceivedSnapshot());
        HardeningChecks.NeverReceived(server, "MAIL FROM:<smuggled@x>", "RCPT TO:<v@y>");
        await HardeningChecks.SecondSessionWorksAsync(harness);
    }

    /// <summary>Random messages built from the lines that break naive dot-stuffing, as wire bytes (stuffed, with the terminator).</summary>
    private static List<byte[]> RandomMessages(int seed, int count)
    {
        var random = new Random(seed);
        string[] shapes = [".", "..", "...x", ".x", string.Empty, "plain text", "long", "eight-bit", ".long"];
        var messages = new List<byte[]> { ".\r\n"u8.ToArray() };
        for (var m = 0; m < count; m++)
        {
            var wire = new List<byte>();
            var lines = random.Next(1, 12);
            for (var i = 0; i < lines; i++)
            {
                var line = shapes[random.Next(shapes.Length)] switch
                {
                    "long" => Encoding.ASCII.GetBytes(new string((char)('a' + random.Next(26)), 998)),
                    ".long" => Encoding.ASCII.GetBytes("." + new string('d', 997)),
                    "eight-bit" => Enumerable.Range(0, random.Next(1, 60)).Select(_ => (byte)random.Next(0x80, 0x100)).ToArray(),
                    var s => Encoding.ASCII.GetBytes(s),
                };
                if (line.Length > 0 && line[0] == (byte)'.')
                {
                    wire.Add((byte)'.');
                }

                wire.AddRange(line);
                wire.AddRange("\r\n"u8.ToArray());
            }

            wire.AddRange(".\r\n"u8.ToArray());
            messages.Add([.. wire]);
        }

        return messages;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20261123)]
    public async Task B09_DotStuffing_RandomMessagesRoundTripByteForByte(int seed)
    {
        var messages = RandomMessages(seed, 12);
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { ShowBody = true });
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            foreach (var message in messages)
            {
                await raw.SendAsync("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n");
                await raw.ExpectAsync(250);
                await raw.ExpectAsync(250);
                await raw.ExpectAsync(354);
                await raw.SendAsync(message);
                Assert.Equal("2.0.0 Ok: queued", (await raw.ExpectAsync(250)).FirstLine);
            }

            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(messages.Count, server.Committed);
        Assert.Equal(messages.Count, server.Messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            Assert.Equal(messages[i], server.Messages[i]);
        }
    }

    [Fact]
    public async Task B09_DotStuffing_TranscriptShowsUnstuffedContent()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { ShowBody = true });
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendAsync("Subject: s\r\n\r\n..marker-line\r\n.\r\n");
            await raw.ExpectAsync(250);
        }

        Assert.Equal("Subject: s\r\n\r\n..marker-line\r\n.\r\n"u8.ToArray(), server.Messages.Single());
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("client>tap .marker-line", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("..marker-line", transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cr|lf.crlf")]
    [InlineData("crlf|.crlf")]
    [InlineData("crlf.|crlf")]
    [InlineData("crlf.cr|lf")]
    [InlineData("stuffed-dot|.x")]
    [InlineData("one-byte-per-write")]
    public async Task B10_TerminatorSplitAcrossWrites_SameResultAsContiguous(string split)
    {
        var body = Encoding.ASCII.GetBytes("Subject: t\r\n\r\nhello\r\n..x\r\nend\r\n.\r\n");
        var terminator = body.Length - 5;
        var stuffed = Array.IndexOf(body, (byte)'.');
        int[] cuts = split switch
        {
            "cr|lf.crlf" => [terminator + 1],
            "crlf|.crlf" => [terminator + 2],
            "crlf.|crlf" => [terminator + 3],
            "crlf.cr|lf" => [terminator + 4],
            "stuffed-dot|.x" => [stuffed + 1],
            _ => [.. Enumerable.Range(1, body.Length - 1)],
        };
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendSplitAsync(body, cuts);
            await raw.ExpectAsync(250);
        }

        Assert.Equal(body, server.Messages.Single());
        Assert.DoesNotContain("smuggling", harness.Transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\r\r\n")]
    public async Task B10_SmugglingVariantOneBytePerWrite_StillRefused(string variant)
    {
        var body = SmugglingBody(variant);
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await HardeningChecks.OpenDataAsync(harness))
        {
            await raw.SendSplitAsync(body, [.. Enumerable.Range(1, body.Length - 1)]);
            await raw.ExpectAsync(550);
            await raw.ExpectAsync(421);
        }

        Assert.Equal(0, server.Committed);
        HardeningChecks.NeverReceived(server, "MAIL FROM:<smuggled@x>");
    }

    [Fact]
    public async Task B11_BareLfEndsACommandLine_ThatLineRefused500AtOnce_NoBareLfEverForwarded()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<a@x>\nRCPT TO:<b@y>\r\n");
            var refusal = await raw.ExpectAsync(500);
            Assert.StartsWith("5.5.2", refusal.FirstLine, StringComparison.Ordinal);
            Assert.Contains("bare LF", refusal.FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(250);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        // Postfix reads the two as two commands too; the tap refuses the one with the bare LF and relays the CRLF line.
        Assert.Equal(["EHLO c", "RCPT TO:<b@y>", "QUIT"], server.ReceivedSnapshot());
        Assert.DoesNotContain("\n", Encoding.Latin1.GetString(server.RawReceived()).Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<a@x>\\n", harness.Transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@x>\rRCPT TO:<b@y>\r\n", "MAIL FROM:<a@x>\\rRCPT TO:<b@y>")]
    [InlineData("RCPT TO:<b@y>\0\r\n", "RCPT TO:<b@y>\\0")]
    public async Task B11_BareCrLfOrNulInCommandLine_500NotForwarded(string line, string escaped)
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync(line);
            var refusal = await raw.ExpectAsync(500);
            Assert.StartsWith("5.5.2", refusal.FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("NOOP\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(221);
        }

        Assert.Equal(["EHLO c", "NOOP", "QUIT"], server.ReceivedSnapshot());
        var transcript = harness.Transcript;
        Assert.Single(transcript.Split('\n'), l => l.Contains(escaped, StringComparison.Ordinal));
        Assert.Contains("Bare CR, LF or NUL inside a command line", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B12a_ContentBefore354_HeldUnreadUntilThe354_ThenRelayedOnce()
    {
        await using var server = new ScriptedMailServer().Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO c\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(250);
            await raw.SendAsync("DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n");
            await raw.ExpectAsync(354);
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(221);
        }

        Assert.Equal(1, server.Committed);
        Assert.Equal("Subject: x\r\n\r\nhi\r\n.\r\n", Encoding.ASCII.GetString(server.Messages.Single()));
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("Message content arrived before the server's 354: held", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B12b_DataRefusedAfterPipelinedGroup_ContentNeverReadAsCommands()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING");
            await c.ExpectReplyAsync("MAIL", "250 2.1.0 Ok\r\n");
            await c.ExpectReplyAsync("RCPT", "550 5.1.1 no such user\r\n");
            await c.ExpectAsync("DATA");
            await Task.Delay(500);
            await c.SendAsync("554 5.5.1 Error: no valid recipients\r\n");
            while (await c.ReadLineAsync() is not null)
            {
                await c.SendAsync("250 2.0.0 Ok\r\n");
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("MAIL FROM:<a@b.test>\r\nRCPT TO:<nobody@d.test>\r\nDATA\r\n");
            await HardeningChecks.WaitForReceivedAsync(server, "DATA");
            await raw.SendAsync("Subject: x\r\n\r\nMAIL FROM:<smuggled@x>\r\n.\r\n");
            await raw.ExpectAsync(250);
            await raw.ExpectAsync(550);
            Assert.Contains("no valid recipients", (await raw.ExpectAsync(554)).FirstLine, StringComparison.Ordinal);
            Assert.StartsWith("5.5.0 smtptap: message content discarded", (await raw.ExpectAsync(554)).FirstLine, StringComparison.Ordinal);
            await raw.SendAsync("QUIT\r\n");
            await raw.ExpectAsync(250);
        }

        HardeningChecks.NeverReceived(server, "Subject", "MAIL FROM:<smuggled@x>", ".");
        Assert.Contains("content discarded up to its end of data, never run as commands", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task B13a_BdatWithoutChunking_NotAdvertised_502AndChunkNeverForwarded()
    {
        await using var server = new ScriptedMailServer { Capabilities = ["PIPELINING", "BINARYMIME", "8BITMIME"] }.Start();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        var chunk = Encoding.ASCII.GetBytes("MAIL FROM:<smuggled@x>\r\n".PadRight(62, 'x') + "\r\n");
        Assert.Equal(64, chunk.Length);
        await using (var raw = await RawSmtpClient.ConnectAsync(harness.Port))
        {
            await raw.ExpectAsync(220);
            await raw.SendAsync("EHLO c\r\n");
            var ehlo = await raw.ExpectAsync(250);
            Assert.DoesNotContain("CHUNKING", ehlo.Lines);
            Assert.DoesNotContain("BINARYMIME", ehlo.Lines);
            await raw.SendAsync("MAIL FROM:<a@b.test>\r\n");
            await raw.ExpectAsync(250);
            await raw.SendAsync((byte[])[.. "BDAT 64\r\n"u8.ToArray(), .. chunk]);
            Assert.StartsWith("5.5.1", (await raw.ExpectAsync(502)).FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        HardeningChecks.NeverReceived(server, "BDAT", "MAIL FROM:<smuggled@x>");
    }

    private static async Task<RawSmtpClient> OpenChunkingAsync(TapHarness harness)
    {
        var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        await raw.SendAsync("EHLO c\r\n");
        Assert.Contains("CHUNKING", (await raw.ExpectAsync(250)).Lines);
        await raw.SendAsync("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
        await raw.ExpectAsync(250);
        await raw.ExpectAsync(250);
        return raw;
    }

    private static ScriptedServer ChunkingServer() => new ScriptedMailServer { Capabilities = ["PIPELINING", "CHUNKING", "BINARYMIME"] }.Start();

    [Theory]
    [InlineData("BDAT 99999999999999999999")]
    [InlineData("BDAT -1")]
    [InlineData("BDAT 5 LAST junk")]
    [InlineData("BDAT +5")]
    [InlineData("BDAT\t+5\tLAST")]
    public async Task B13b_BdatBadSyntax_501AndClosed(string command)
    {
        await using var server = ChunkingServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenChunkingAsync(harness))
        {
            await raw.SendAsync(command + "\r\nhello");
            Assert.StartsWith("5.5.4", (await raw.ExpectAsync(501)).FirstLine, StringComparison.Ordinal);
            Assert.True(await raw.ClosedAsync());
        }

        HardeningChecks.NeverReceived(server, "BDAT", "hello");
    }

    [Fact]
    public async Task B13b_BdatZeroLast_AcceptedAndRelayed()
    {
        await using var server = ChunkingServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await OpenChunkingAsync(harness);
        await raw.SendAsync("BDAT 0 LAST\r\n");
        await raw.ExpectAsync(250);
        Assert.Equal(1, server.Committed);
    }

    [Fact]
    public async Task B13b_BdatAfterLast_503AndClosed()
    {
        await using var server = ChunkingServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using (var raw = await OpenChunkingAsync(harness))
        {
            await raw.SendAsync("BDAT 5 LAST\r\nhello");
            await raw.ExpectAsync(250);
            await raw.SendAsync("BDAT 3\r\nabc");
            await raw.ExpectAsync(503);
            Assert.True(await raw.ClosedAsync());
        }

        Assert.Single(server.ReceivedSnapshot(), l => l.StartsWith("BDAT", StringComparison.Ordinal));
        Assert.Equal(1, server.Committed);
    }

    [Fact]
    public async Task B13b_DataAfterBdatInSameTransaction_503()
    {
        await using var server = ChunkingServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        await using var raw = await OpenChunkingAsync(harness);
        await raw.SendAsync("BDAT 5\r\nhello");
        await raw.ExpectAsync(250);
        await raw.SendAsync("DATA\r\n");
        await raw.ExpectAsync(503);
        await raw.SendAsync("RSET\r\n");
        await raw.ExpectAsync(250);
        HardeningChecks.NeverReceived(server, "DATA");
    }

    [Fact]
    public async Task B13b_BdatChunksOverSizeLimit_552AfterChunkConsumedAndNothingCommitted()
    {
        await using var server = ChunkingServer();
        await using var harness = await TapHarness.StartScriptedAsync(server, configure: o => o with { Limits = o.Limits with { MaxMessageSize = 100 } });
        await using (var raw = await OpenChunkingAsync(harness))
        {
            await raw.SendAsync("BDAT 60\r\n" + new string('a', 60));
            await raw.ExpectAsync(250);
            await raw.SendAsync("BDAT 60 LAST\r\n" + new string('b', 60));
            Assert.StartsWith("5.3.4", (await raw.ExpectAsync(552)).FirstLine, StringComparison.Ordinal);
            await raw.ExpectAsync(421);
            Assert.True(await raw.ClosedAsync());
        }

        Assert.Equal(0, server.Committed);
        Assert.Single(server.ReceivedSnapshot(), l => l.StartsWith("BDAT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task B13b_BareLfInsideBdat_RelayedUnchangedNeverConvertedToData()
    {
        await using var server = ChunkingServer();
        await using var harness = await TapHarness.StartScriptedAsync(server);
        var chunk = Encoding.ASCII.GetBytes("Subject: b\r\n\r\na\nb\r\n.\nc\r\n");
        await using (var raw = await OpenChunkingAsync(harness))
        {
            await raw.SendAsync((byte[])[.. Encoding.ASCII.GetBytes($"BDAT {chunk.Length} LAST\r\n"), .. chunk]);
            await raw.ExpectAsync(250);
        }

        Assert.Equal(1, server.Committed);
        var received = server.RawReceived();
        Assert.True(received.AsSpan().IndexOf(chunk) >= 0, "the chunk must arrive byte for byte");
        HardeningChecks.NeverReceived(server, "DATA");
    }
}
