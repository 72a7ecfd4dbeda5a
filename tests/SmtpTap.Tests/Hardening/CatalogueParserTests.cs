using System.Buffers;
using System.Text;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;
using SmtpTap.Tests.Protocol;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.Hardening;

/// <summary>
/// The parser side of catalogue parts B and C (docs/security.md): the pure framers, scanners and text
/// rendering the relay relies on, tested without sockets.
/// </summary>
public sealed class CatalogueParserTests
{
    private static ReadOnlySequence<byte> Seq(string s) => new(Encoding.Latin1.GetBytes(s));

    [Theory]
    [MemberData(nameof(SmugglingVariants.FakeEndOfData), MemberType = typeof(SmugglingVariants))]
    public void B08_FakeEndOfData_FramerNeverEndsDataAndFlagsTheLine(string variant)
    {
        var buffer = Seq("hello" + variant + "MAIL FROM:<smuggled@x>\r\n\r\n.\r\n");
        var flagged = false;
        var ended = 0;
        while (SmtpLineFramer.TryReadLine(ref buffer, 1000, out var line) == LineReadStatus.Complete)
        {
            var content = SmtpLineFramer.Content(line);
            flagged |= LineAnomaly.HasBareCrLfOrNul(content);
            if (content.Length == 1 && content.FirstSpan[0] == (byte)'.')
            {
                ended++;
            }
        }

        Assert.True(flagged);
        Assert.Equal(1, ended);
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("\r\n.\r\n", 0, 5)]
    [InlineData("a\n.\n\r\n.\r\n", 0, 9)]
    [InlineData("x\r\n.\rMAIL\r\n\r\n.\r\n", 0, 16)]
    public void B08_EndOfDataScanner_OnlyTheRealTerminatorCounts(string text, int start, int expected)
    {
        var scanner = EndOfDataScanner.AtLineStart();
        Assert.Equal(expected, scanner.Feed(Encoding.Latin1.GetBytes(text).AsSpan(start)));
    }

    [Fact]
    public void B10_CrAtEndOfASegment_IsNotABareCr()
    {
        var first = new TestSegment(Encoding.ASCII.GetBytes("hello\r"));
        var last = first.Append(Encoding.ASCII.GetBytes("\n.\r\n"));
        var buffer = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Assert.Equal(LineReadStatus.Complete, SmtpLineFramer.TryReadLine(ref buffer, 1000, out var line));
        Assert.False(LineAnomaly.HasBareCrLfOrNul(SmtpLineFramer.Content(line)));
        Assert.Equal(LineReadStatus.Complete, SmtpLineFramer.TryReadLine(ref buffer, 1000, out var dot));
        Assert.Equal(".\r\n", Encoding.ASCII.GetString(dot.ToArray()));
    }

    [Fact]
    public void B10_CrAloneAtEndOfRead_WaitsForMoreData()
    {
        var buffer = Seq("hello\r");
        Assert.Equal(LineReadStatus.NeedMoreData, SmtpLineFramer.TryReadLine(ref buffer, 1000, out _));
    }

    [Theory]
    [InlineData("BDAT 99999999999999999999")]
    [InlineData("BDAT -1")]
    [InlineData("BDAT 5 LAST junk")]
    [InlineData("BDAT")]
    [InlineData("BDAT 0x10")]
    public void B13_BdatSyntaxErrors_AreRejected(string line) => Assert.False(SmtpCommandLine.TryParseBdat(Encoding.ASCII.GetBytes(line), out _, out _));

    [Fact]
    public void B13_EhloWithoutChunking_LosesBinaryMime()
    {
        var reply = new SmtpReply(250, ["mx.test", "BINARYMIME", "8BITMIME"]);
        var rewrite = EhloRewriter.Rewrite(reply, new CapabilityPolicy());
        Assert.DoesNotContain("BINARYMIME", rewrite.Reply.Lines);
        Assert.Contains("8BITMIME", rewrite.Reply.Lines);
        Assert.Contains(rewrite.Changes, c => c.Contains("BINARYMIME", StringComparison.Ordinal));
    }

    [Fact]
    public void C14_LineDiscarder_SkipsToTheLineEndAcrossChunks()
    {
        var discarder = default(LineDiscarder);
        Assert.Equal(-1, discarder.Feed("aaaa MAIL FROM:<x>\r"u8));
        Assert.Equal(1, discarder.Feed("\nNOOP\r\n"u8));
        Assert.Equal(20, discarder.Discarded);
    }

    [Fact]
    public void C14_LineDiscarder_ABareLfEndsTheLineToo_SoAnLfOnlyClientIsAnswered()
    {
        var discarder = default(LineDiscarder);
        Assert.Equal(5, discarder.Feed("aaaa\nMAIL FROM:<x>\r\n"u8));
        Assert.Equal(5, discarder.Discarded);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b> SIZE=1000", true, 1000L)]
    [InlineData("MAIL FROM:<a@b> BODY=8BITMIME size=42", true, 42L)]
    [InlineData("MAIL FROM:<a@b>", false, 0L)]
    [InlineData("MAIL FROM:<a@b> SIZE=-5", false, 0L)]
    [InlineData("MAIL FROM:<a@b> SIZE=12x", false, 12L)]
    public void C15_DeclaredSize_ParsedFromMailParameters(string line, bool found, long size)
    {
        Assert.Equal(found, MessageSize.TryGetDeclared(Encoding.ASCII.GetBytes(line), out var declared));
        if (found)
        {
            Assert.Equal(size, declared);
        }
    }

    [Theory]
    [InlineData(0L, 0L, 0L)]
    [InlineData(1000L, 0L, 1000L)]
    [InlineData(0L, 5000L, 5000L)]
    [InlineData(1000L, 5000L, 1000L)]
    [InlineData(9000L, 5000L, 5000L)]
    public void C15_EffectiveLimit_IsTheSmallerNonZero(long own, long server, long expected) => Assert.Equal(expected, MessageSize.Effective(own, server));

    [Fact]
    public void C15_OwnLimitLowersOrAddsSize()
    {
        var high = EhloRewriter.Rewrite(new SmtpReply(250, ["mx", "SIZE 50000000"]), new CapabilityPolicy { MaxMessageSize = 1000 });
        Assert.Contains("SIZE 1000", high.Reply.Lines);
        var low = EhloRewriter.Rewrite(new SmtpReply(250, ["mx", "SIZE 500"]), new CapabilityPolicy { MaxMessageSize = 1000 });
        Assert.Contains("SIZE 500", low.Reply.Lines);
        var none = EhloRewriter.Rewrite(new SmtpReply(250, ["mx", "PIPELINING"]), new CapabilityPolicy { MaxMessageSize = 1000 });
        Assert.Contains("SIZE 1000", none.Reply.Lines);
        Assert.Equal(50_000_000, MessageSize.Advertised(new SmtpReply(250, ["mx", "SIZE 50000000"])));
    }

    [Theory]
    [InlineData("250-a\r\n251 b\r\n")]
    [InlineData("600 x\r\n")]
    [InlineData("2x0 y\r\n")]
    [InlineData("25\r\n")]
    [InlineData("250 ok\nfake\r\n")]
    [InlineData("250 ok\rfake\r\n")]
    public void C17_ReplyAbuse_IsMalformed(string wire)
    {
        var buffer = Seq(wire);
        Assert.Equal(ReplyParseStatus.Malformed, SmtpReplyParser.TryParse(ref buffer, ReplyLimits.Default, out _, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void C17_HugeReplyLine_IsMalformedAtTheLineCap()
    {
        var buffer = Seq("250 " + new string('x', 100 * 1024));
        Assert.Equal(ReplyParseStatus.Malformed, SmtpReplyParser.TryParse(ref buffer, ReplyLimits.Default, out _, out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x1b, (byte)'[', (byte)'2', (byte)'J' }, "\\x1b[2J")]
    [InlineData(new byte[] { 0xe2, 0x80, 0xae, (byte)'x' }, "\\u{202E}x")]
    [InlineData(new byte[] { 0xe2, 0x80, 0xa8 }, "\\u{2028}")]
    [InlineData(new byte[] { 0xc2, 0x85 }, "\\u{0085}")]
    [InlineData(new byte[] { 0xc3, 0x28 }, "\\xc3(")]
    [InlineData(new byte[] { 0xff, 0xfe }, "\\xff\\xfe")]
    [InlineData(new byte[] { (byte)'a', 0x07, 0x7f, (byte)'\r', (byte)'\n', 0 }, "a\\x07\\x7f\\r\\n\\0")]
    [InlineData(new byte[] { 0x6a, 0xc3, 0xb6, 0x72, 0x67 }, "jörg")]
    public void C18_TranscriptText_EscapesEverythingThatCouldForgeOrHide(byte[] bytes, string expected) => Assert.Equal(expected, TranscriptText.Decode(bytes));

    [Fact]
    public void C18_TranscriptText_NeverEmitsControlOrBidiCharacters()
    {
        var random = new Random(18);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(1, 40)];
            random.NextBytes(bytes);
            var text = TranscriptText.Decode(bytes);
            foreach (var rune in text.EnumerateRunes())
            {
                Assert.False(TranscriptText.IsUnsafe(rune), $"unsafe U+{rune.Value:X4} in output for {Convert.ToHexString(bytes)}");
            }
        }
    }
}
