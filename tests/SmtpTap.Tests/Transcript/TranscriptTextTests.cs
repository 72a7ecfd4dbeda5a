using System.Globalization;
using System.Text;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Tests.Transcript;

/// <summary>Every control character a peer sends is shown escaped, so a transcript line shows exactly what was on the wire.</summary>
public sealed class TranscriptTextTests
{
    [Theory]
    [InlineData("DATA\t", "DATA\\x09")]
    [InlineData("AUTH\tPLAIN", "AUTH\\x09PLAIN")]
    [InlineData("\tDKIM folded", "\\x09DKIM folded")]
    [InlineData("Subject: Grüße \t ", "Subject: Grüße \\x09 ")]
    public void Tab_IsShownAsHexEscape(string text, string expected) => Assert.Equal(expected, TranscriptText.Decode(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void EveryC0ControlAndDel_IsEscapedWithItsByteValue()
    {
        for (var b = 0; b < 0x20; b++)
        {
            var expected = b switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                0 => "\\0",
                _ => "\\x" + b.ToString("x2", CultureInfo.InvariantCulture),
            };
            Assert.Equal("a" + expected + "b", TranscriptText.Decode([(byte)'a', (byte)b, (byte)'b']));
        }

        Assert.Equal("a\\x7fb", TranscriptText.Decode("a\u007fb"u8));
    }

    [Fact]
    public void EveryC1Control_IsEscapedWhetherValidUtf8OrARawByte()
    {
        for (var cp = 0x80; cp <= 0x9f; cp++)
        {
            var utf8 = Encoding.UTF8.GetBytes(char.ConvertFromUtf32(cp));
            Assert.Equal("\\u{" + cp.ToString("X4", CultureInfo.InvariantCulture) + "}", TranscriptText.Decode(utf8));
            Assert.Equal("\\x" + cp.ToString("x2", CultureInfo.InvariantCulture), TranscriptText.Decode([(byte)cp]));
        }
    }

    [Fact]
    public void ControlRunes_AreAllUnsafe()
    {
        for (var cp = 0; cp <= 0x9f; cp++)
        {
            Assert.Equal(cp < 0x20 || cp >= 0x7f, TranscriptText.IsUnsafe(new Rune(cp)));
        }
    }
}
