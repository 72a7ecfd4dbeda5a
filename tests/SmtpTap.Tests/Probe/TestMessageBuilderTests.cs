using SmtpTap.Probe;

namespace SmtpTap.Tests.Probe;

public sealed class TestMessageBuilderTests
{
    private static readonly DateTimeOffset s_now = new(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(1));

    [Fact]
    public void Build_DotStuffsAndUsesCrlfEverywhere()
    {
        var payload = TestMessageBuilder.Build(["Subject: x"], "a\n.b\r..c\r\nd\n");

        Assert.Equal("Subject: x\r\n\r\na\r\n..b\r\n...c\r\nd\r\n.\r\n", payload);
    }

    [Fact]
    public void Build_LoneDotLine_IsStuffed() =>
        Assert.Equal("H: v\r\n\r\n..\r\n.\r\n", TestMessageBuilder.Build(["H: v"], "."));

    [Fact]
    public void Headers_HaveDateMessageIdAndRecipients()
    {
        var message = new ProbeMessage { From = "a@x.test", To = ["b@y.test", "c@z.test"], Subject = "hi\r\nBcc: evil@x" };

        var headers = TestMessageBuilder.Headers(message, s_now, "probe.local", Guid.Empty);

        Assert.Contains("Date: Tue, 04 Mar 2025 05:06:07 +0100", headers);
        Assert.Contains("Message-ID: <00000000000000000000000000000000@probe.local>", headers);
        Assert.Contains("To: b@y.test, c@z.test", headers);
        Assert.Contains("Subject: hi  Bcc: evil@x", headers);
    }
}
