using System.Buffers;
using System.Text;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

public sealed class CommandLineFramerTests
{
    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.ASCII.GetBytes(text));

    [Fact]
    public void TryReadLine_PipelinedCommands_ComeOutOneByOne()
    {
        var framer = new CommandLineFramer();
        var buffer = Bytes("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDAT");

        Assert.Equal(CommandLineStatus.Line, framer.TryReadLine(ref buffer, false, out var first));
        Assert.Equal("MAIL FROM:<a@b>", Encoding.ASCII.GetString(first));
        Assert.Equal(CommandLineStatus.Line, framer.TryReadLine(ref buffer, false, out var second));
        Assert.Equal("RCPT TO:<c@d>", Encoding.ASCII.GetString(second));
        Assert.Equal(CommandLineStatus.NeedMore, framer.TryReadLine(ref buffer, false, out _));
        Assert.Equal("DAT", Encoding.ASCII.GetString(buffer));
    }

    [Theory]
    [InlineData("NOOP\nNOOP\r\n")]
    [InlineData("NOOP\rNOOP\r\n")]
    [InlineData("NO\0OP\r\n")]
    public void TryReadLine_BareLineEndingOrNul_IsReportedNotSplit(string input)
    {
        var buffer = Bytes(input);
        Assert.Equal(CommandLineStatus.BareLineEnding, new CommandLineFramer().TryReadLine(ref buffer, false, out _));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryReadLine_OverlongLine_IsDroppedAsItArrivesThenReportedOnce()
    {
        var framer = new CommandLineFramer();
        var buffer = Bytes(new string('x', CommandLineFramer.MaxCommandLength + 1));

        Assert.Equal(CommandLineStatus.NeedMore, framer.TryReadLine(ref buffer, false, out _));
        Assert.True(buffer.IsEmpty);

        buffer = Bytes(new string('y', 10000) + "\r");
        Assert.Equal(CommandLineStatus.NeedMore, framer.TryReadLine(ref buffer, false, out _));
        Assert.Equal(1, buffer.Length);

        buffer = Bytes("\r\nNOOP\r\n");
        Assert.Equal(CommandLineStatus.TooLong, framer.TryReadLine(ref buffer, false, out _));
        Assert.Equal(CommandLineStatus.Line, framer.TryReadLine(ref buffer, false, out var next));
        Assert.Equal("NOOP", Encoding.ASCII.GetString(next));
    }

    [Fact]
    public void TryReadLine_AuthLines_MayBeLonger()
    {
        var auth = "AUTH PLAIN " + new string('A', 8000) + "\r\n";
        var buffer = Bytes(auth);
        Assert.Equal(CommandLineStatus.Line, new CommandLineFramer().TryReadLine(ref buffer, false, out _));

        var response = Bytes(new string('A', 8000) + "\r\n");
        Assert.Equal(CommandLineStatus.Line, new CommandLineFramer().TryReadLine(ref response, true, out _));

        var tooLong = Bytes("AUTH PLAIN " + new string('A', CommandLineFramer.MaxAuthLineLength) + "\r\n");
        Assert.Equal(CommandLineStatus.TooLong, new CommandLineFramer().TryReadLine(ref tooLong, false, out _));

        var command = Bytes("NOOP " + new string('A', 3000) + "\r\n");
        Assert.Equal(CommandLineStatus.TooLong, new CommandLineFramer().TryReadLine(ref command, false, out _));
    }

    [Theory]
    [InlineData("AUTH\tPLAIN ")]
    [InlineData(" \tAUTH PLAIN ")]
    [InlineData("auth  plain  ")]
    public void TryReadLine_AuthCommandWithLeadingSeparatorsOrTabs_GetsTheAuthLimit(string prefix)
    {
        var whole = Bytes(prefix + new string('A', 8000) + "\r\n");
        Assert.Equal(CommandLineStatus.Line, new CommandLineFramer().TryReadLine(ref whole, false, out _));

        // Arriving in pieces: the partial line is not thrown away as an over-long command either.
        var framer = new CommandLineFramer();
        var partial = Bytes(prefix + new string('A', 4000));
        Assert.Equal(CommandLineStatus.NeedMore, framer.TryReadLine(ref partial, false, out _));
        Assert.Equal(prefix.Length + 4000, partial.Length);
    }

    [Theory]
    [InlineData("AUTHX ")]
    [InlineData("NOOP\tAUTH ")]
    public void TryReadLine_LinesThatAreNotAuth_KeepTheCommandLimit(string prefix)
    {
        var line = Bytes(prefix + new string('A', 3000) + "\r\n");
        Assert.Equal(CommandLineStatus.TooLong, new CommandLineFramer().TryReadLine(ref line, false, out _));
    }
}
