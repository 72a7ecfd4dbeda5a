using SmtpTap.Web;

namespace SmtpTap.Tests.Web;

public sealed class DisplayTextTests
{
    [Fact]
    public void BidiOverridesControlsAndLineSeparators_AreShownAsEscapes()
    {
        Assert.Equal("a\\u{202E}gnp.exe \\u{2066}x\\u{0007}\\u{2028}", DisplayText.Escape("a\u202Egnp.exe \u2066x\u0007\u2028"));
    }

    [Fact]
    public void PlainTextAndMarkup_AreReturnedAsTheyAre()
    {
        const string text = "\"><img src=x onerror=alert(1)> <script>caf\u00e9</script>";

        Assert.Same(text, DisplayText.Escape(text));
    }

    [Fact]
    public void Multiline_KeepsLineFeedsAndTabs_DropsCarriageReturns_EscapesTheRest()
    {
        Assert.Equal("one\ttwo\nthree\\u{202E}\n", DisplayText.Escape("one\ttwo\r\nthree\u202E\r\n", multiline: true));
        Assert.Equal("one\\u{000D}\\u{000A}", DisplayText.Escape("one\r\n"));
    }
}
