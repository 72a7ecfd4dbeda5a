using System.Text;
using SmtpTap.Web;

namespace SmtpTap.Tests.Web;

public sealed class MessageFactsScannerTests
{
    private static MessageFacts Scan(byte[] bytes, int chunk)
    {
        var scanner = new MessageFactsScanner();
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            scanner.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        }

        return scanner.Finish();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void CleanMessage_HasNoFlags_InAnyChunking(int chunk)
    {
        var facts = Scan("Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n"u8.ToArray(), chunk);

        Assert.Equal(new MessageFacts(0, 0, 0, 11, 0, false, false), facts);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void BareLfBareCrNulLongLinesAndEightBit_AreCounted_AcrossChunkBoundaries(int chunk)
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("Subject: caf\u00e9\r\n\r\n"));
        bytes.AddRange("one\ntwo\rthree\0\r\n"u8.ToArray());
        bytes.AddRange(Encoding.ASCII.GetBytes(new string('x', 999) + "\r\n"));
        bytes.AddRange(Encoding.ASCII.GetBytes(new string('y', 998) + "\r\n"));
        bytes.AddRange([0xe9, (byte)'\r', (byte)'\n']);

        var facts = Scan([.. bytes], chunk);

        Assert.Equal(1, facts.BareLf);
        Assert.Equal(1, facts.BareCr);
        Assert.Equal(1, facts.Nul);
        Assert.Equal(1, facts.LongLines); // 999 octets is over the limit; 998 is not
        Assert.Equal(999, facts.LongestLine);
        Assert.True(facts.NonAsciiHeaders);
        Assert.True(facts.EightBitBody);
    }

    [Fact]
    public void EightBitOnlyInTheBody_DoesNotFlagTheHeader()
    {
        var facts = Scan([.. "Subject: plain\r\n\r\n"u8.ToArray(), 0xc3, 0xa9, (byte)'\r', (byte)'\n'], 5);

        Assert.False(facts.NonAsciiHeaders);
        Assert.True(facts.EightBitBody);
    }
}
