using System.Buffers;
using System.Text;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Protocol;

public sealed class SmtpReplyParserTests
{
    private static ReplyParseStatus Parse(string text, out SmtpReply? reply, out string raw, out string rest, out string? error)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text));
        var status = SmtpReplyParser.TryParse(ref buffer, ReplyLimits.Default, out reply, out var rawSeq, out error);
        raw = Encoding.ASCII.GetString(rawSeq.ToArray());
        rest = Encoding.ASCII.GetString(buffer.ToArray());
        return status;
    }

    [Fact]
    public void TryParse_MultilineEhloReply_AllLinesAndExactRawBytes()
    {
        const string wire = "250-mail.example.com Hello [1.2.3.4]\r\n250-SIZE 35882577\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n";
        Assert.Equal(ReplyParseStatus.Complete, Parse(wire + "220 next", out var reply, out var raw, out var rest, out _));
        Assert.Equal(250, reply!.Code);
        Assert.Equal(["mail.example.com Hello [1.2.3.4]", "SIZE 35882577", "STARTTLS", "SMTPUTF8"], reply.Lines);
        Assert.Equal(wire, raw);
        Assert.Equal("220 next", rest);
    }

    [Fact]
    public void TryParse_CodeOnly_IsAValidReply()
    {
        Assert.Equal(ReplyParseStatus.Complete, Parse("250\r\n", out var reply, out _, out _, out _));
        Assert.Equal([string.Empty], reply!.Lines);
    }

    [Fact]
    public void TryParse_IncompleteMultiline_NeedsMoreData()
    {
        Assert.Equal(ReplyParseStatus.NeedMoreData, Parse("250-a\r\n250-b\r\n", out _, out _, out _, out _));
    }

    [Theory]
    [InlineData("250-a\r\n251 b\r\n", "different codes")]
    [InlineData("abc hello\r\n", "three-digit")]
    [InlineData("650 what\r\n", "outside")]
    [InlineData("250xhello\r\n", "space or a hyphen")]
    [InlineData("250 a\nb\r\n", "bare CR")]
    public void TryParse_Malformed_SaysWhy(string wire, string why)
    {
        Assert.Equal(ReplyParseStatus.Malformed, Parse(wire, out _, out _, out _, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_EndlessMultiline_IsMalformedNotUnbounded()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            sb.Append("250-x\r\n");
        }

        Assert.Equal(ReplyParseStatus.Malformed, Parse(sb.ToString(), out _, out _, out _, out var error));
        Assert.Contains("lines", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ByteByByteSegments_SameResult()
    {
        const string wire = "334 VXNlcm5hbWU6\r\n";
        var buffer = TestSegment.ByteByByte(Encoding.ASCII.GetBytes(wire));
        Assert.Equal(ReplyParseStatus.Complete, SmtpReplyParser.TryParse(ref buffer, ReplyLimits.Default, out var reply, out var raw, out _));
        Assert.Equal(334, reply!.Code);
        Assert.Equal("VXNlcm5hbWU6", reply.FirstLine);
        Assert.Equal(wire.Length, raw.Length);
    }
}
