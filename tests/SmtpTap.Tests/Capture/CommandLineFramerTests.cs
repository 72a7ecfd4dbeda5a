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
}
