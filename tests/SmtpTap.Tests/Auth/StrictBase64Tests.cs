using System.Text;
using SmtpTap.Core.Auth;

namespace SmtpTap.Tests.Auth;

public sealed class StrictBase64Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("=", "")]
    [InlineData("Zg==", "f")]
    [InlineData("Zm8=", "fo")]
    [InlineData("Zm9v", "foo")]
    [InlineData("Zm9vYmFy", "foobar")]
    [InlineData("+/+/", "\u00fb\u00ff\u00bf")]
    public void TryDecode_Valid(string text, string expected)
    {
        Assert.True(StrictBase64.TryDecode(Encoding.ASCII.GetBytes(text), out var bytes));
        Assert.Equal(expected, Encoding.Latin1.GetString(bytes));
    }

    [Theory]
    [InlineData("dXN!cg==")]
    [InlineData("=AAA")]
    [InlineData("AAA=BBB=")]
    [InlineData("AAA=BBB")]
    [InlineData("Zg=")]
    [InlineData("Zg")]
    [InlineData("Zm9v ")]
    [InlineData("Zm 9v")]
    [InlineData("Zm9v\r\n")]
    [InlineData("Zh==")]
    [InlineData("Zm9=")]
    [InlineData("Z===")]
    [InlineData("====")]
    [InlineData("==")]
    [InlineData("Zm9v-_==")]
    public void TryDecode_Invalid(string text)
    {
        Assert.False(StrictBase64.TryDecode(Encoding.ASCII.GetBytes(text), out var bytes));
        Assert.Empty(bytes);
    }

    [Fact]
    public void TryDecode_MatchesConvertOnRandomData()
    {
        var random = new Random(4954);
        for (var i = 0; i < 500; i++)
        {
            var data = new byte[random.Next(0, 64)];
            random.NextBytes(data);
            var text = Convert.ToBase64String(data);

            Assert.True(StrictBase64.TryDecode(Encoding.ASCII.GetBytes(text), out var bytes));
            Assert.Equal(data, bytes);
        }
    }
}
