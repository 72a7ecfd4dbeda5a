using System.Text;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

public sealed class DotUnstufferTests
{
    private static (string Output, int Consumed, bool Complete, bool Invalid) Run(string input, int chunkSize = int.MaxValue)
    {
        var bytes = Encoding.Latin1.GetBytes(input);
        var decoder = new DotUnstuffer();
        var output = new StringBuilder();
        var consumed = 0;
        while (consumed < bytes.Length && !decoder.IsComplete)
        {
            var slice = bytes.AsSpan(consumed, Math.Min(chunkSize, bytes.Length - consumed));
            var buffer = new byte[slice.Length + 1];
            var (read, written) = decoder.Decode(slice, buffer);
            consumed += read;
            output.Append(Encoding.Latin1.GetString(buffer, 0, written));
        }

        return (output.ToString(), consumed, decoder.IsComplete, decoder.HasInvalidContent);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Decode_UnstuffsAndStopsAtTerminator_InAnyChunking(int chunkSize)
    {
        var result = Run("Subject: x\r\n\r\n..leading dot\r\n\r\nmid\r\n...\r\nend\r\n.\r\nQUIT\r\n", chunkSize);

        Assert.True(result.Complete);
        Assert.False(result.Invalid);
        Assert.Equal("Subject: x\r\n\r\n.leading dot\r\n\r\nmid\r\n..\r\nend\r\n", result.Output);
        Assert.Equal("QUIT\r\n", "Subject: x\r\n\r\n..leading dot\r\n\r\nmid\r\n...\r\nend\r\n.\r\nQUIT\r\n"[result.Consumed..]);
    }

    [Fact]
    public void Decode_DotRightAfterDataCommand_IsEmptyMessage()
    {
        var result = Run(".\r\n");
        Assert.True(result.Complete);
        Assert.Equal(string.Empty, result.Output);
    }

    [Theory]
    [InlineData("a\n.\nb\r\n.\r\n", "a\n.\nb\r\n")]
    [InlineData("a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n")]
    [InlineData("a\r.\rb\r\n.\r\n", "a\r.\rb\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n")]
    [InlineData("a\0b\r\n.\r\n", "a\0b\r\n")]
    public void Decode_BareLineEndingsAndNul_NeverTerminateAndAreFlagged(string input, string expected)
    {
        var result = Run(input);
        Assert.True(result.Complete);
        Assert.True(result.Invalid);
        Assert.Equal(expected, result.Output);
        Assert.Equal(input.Length, result.Consumed);
    }

    [Fact]
    public void Decode_WithoutTerminator_IsIncomplete()
    {
        var result = Run("line\r\n.x\r\n");
        Assert.False(result.Complete);
        Assert.Equal("line\r\nx\r\n", result.Output);
    }
}
