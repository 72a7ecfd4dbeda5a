using System.Text;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Protocol;

public sealed class EndOfDataScannerTests
{
    [Theory]
    [InlineData(".\r\n", 3)]
    [InlineData("hello\r\n.\r\nQUIT\r\n", 10)]
    [InlineData("a\n.\nb\r\n..\r\nx\r\n.\r\n", 17)]
    [InlineData("no end\r\n.x\r\n", -1)]
    public void Feed_FindsOnlyCrlfDotCrlf(string text, int expected)
    {
        var scanner = EndOfDataScanner.AtLineStart();
        Assert.Equal(expected, scanner.Feed(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Feed_ByteByByte_SameAnswer()
    {
        var bytes = Encoding.ASCII.GetBytes("line\r\n.\r\n");
        var scanner = EndOfDataScanner.AtLineStart();
        var found = -1;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (scanner.Feed(bytes.AsSpan(i, 1)) == 1)
            {
                found = i + 1;
            }
        }

        Assert.Equal(bytes.Length, found);
    }
}
