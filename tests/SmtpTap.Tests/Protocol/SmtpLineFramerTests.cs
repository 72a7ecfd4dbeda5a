using System.Buffers;
using System.Text;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Protocol;

public sealed class SmtpLineFramerTests
{
    private static ReadOnlySequence<byte> Seq(string s) => new(Encoding.Latin1.GetBytes(s));

    [Fact]
    public void TryReadLine_CrlfTerminated_ReturnsLineWithCrlfAndAdvances()
    {
        var buffer = Seq("EHLO a\r\nMAIL FROM:<x>\r\n");
        Assert.Equal(LineReadStatus.Complete, SmtpLineFramer.TryReadLine(ref buffer, 512, out var line));
        Assert.Equal("EHLO a\r\n", Encoding.Latin1.GetString(line.ToArray()));
        Assert.Equal("MAIL FROM:<x>\r\n", Encoding.Latin1.GetString(buffer.ToArray()));
    }

    [Theory]
    [InlineData("EHLO a\n")]
    [InlineData("EHLO a\r")]
    [InlineData("EHLO a")]
    public void TryReadLine_NoCrlf_NeedsMoreData(string text)
    {
        var buffer = Seq(text);
        Assert.Equal(LineReadStatus.NeedMoreData, SmtpLineFramer.TryReadLine(ref buffer, 512, out _));
    }

    [Fact]
    public void TryReadLine_BareLfInsideLine_IsPartOfTheLineNotATerminator()
    {
        var buffer = Seq("RCPT TO:<a>\nDATA\r\n");
        Assert.Equal(LineReadStatus.Complete, SmtpLineFramer.TryReadLine(ref buffer, 512, out var line));
        Assert.Equal("RCPT TO:<a>\nDATA\r\n", Encoding.Latin1.GetString(line.ToArray()));
        Assert.True(LineAnomaly.HasBareCrLfOrNul(SmtpLineFramer.Content(line)));
    }

    [Fact]
    public void TryReadLine_OverLimit_IsTooLongEvenWithoutCrlf()
    {
        var buffer = Seq(new string('a', 600));
        Assert.Equal(LineReadStatus.TooLong, SmtpLineFramer.TryReadLine(ref buffer, 512, out _));
        var withCrlf = Seq(new string('a', 600) + "\r\n");
        Assert.Equal(LineReadStatus.TooLong, SmtpLineFramer.TryReadLine(ref withCrlf, 512, out _));
    }

    [Fact]
    public void TryReadLine_CrlfSplitAcrossSegments_Found()
    {
        var first = new TestSegment(Encoding.ASCII.GetBytes("NOOP\r"));
        var last = first.Append(Encoding.ASCII.GetBytes("\nQUIT\r\n"));
        var buffer = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Assert.Equal(LineReadStatus.Complete, SmtpLineFramer.TryReadLine(ref buffer, 512, out var line));
        Assert.Equal("NOOP\r\n", Encoding.ASCII.GetString(line.ToArray()));
    }

    [Fact]
    public void TryReadLine_ExactlyAtLimit_IsAccepted()
    {
        var text = new string('x', 510) + "\r\n";
        var buffer = Seq(text);
        Assert.Equal(LineReadStatus.Complete, SmtpLineFramer.TryReadLine(ref buffer, 512, out var line));
        Assert.Equal(512, line.Length);
    }
}
