using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

public sealed class StrictBase64Tests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("YQ==", true)]
    [InlineData("YWI=", true)]
    [InlineData("YWJj", true)]
    [InlineData("YQ", false)]
    [InlineData("Y Q==", false)]
    [InlineData("YQ=\n", false)]
    [InlineData("Y=Q=", false)]
    [InlineData("====", false)]
    [InlineData("YW-j", false)]
    public void TryDecode_AcceptsOnlyCanonicalAlphabetAndPadding(string text, bool valid)
    {
        Assert.Equal(valid, StrictBase64.TryDecode(text, out _));
    }
}
