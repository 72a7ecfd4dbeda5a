using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void SmtpReply_ToWireString_UsesContinuationMarkers()
    {
        var reply = new SmtpReply(250, ["a", "b"]);
        Assert.Equal("250-a\r\n250 b\r\n", reply.ToWireString());
    }
}
