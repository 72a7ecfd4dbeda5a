using SmtpTap.Core.Hosting;

namespace SmtpTap.Tests.Hosting;

public sealed class EndpointParsingTests
{
    [Theory]
    [InlineData("smtp://127.0.0.1:2525", false, 2525, true)]
    [InlineData("smtps://localhost:4650", true, 4650, true)]
    [InlineData("smtp://[::1]:2525", false, 2525, true)]
    [InlineData("smtp://0.0.0.0:25", false, 25, false)]
    public void Listener_Parses(string url, bool implicitTls, int port, bool loopback)
    {
        Assert.True(ListenerEndpoint.TryParse(url, out var endpoint, out var error), error);
        Assert.Equal(implicitTls, endpoint!.ImplicitTls);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(loopback, endpoint.IsLoopback);
    }

    [Theory]
    [InlineData("127.0.0.1:2525", "not a URL")]
    [InlineData("http://127.0.0.1:2525", "unknown scheme")]
    [InlineData("smtp://127.0.0.1", "give a port")]
    [InlineData("smtp://127.0.0.1:99999", "port")]
    [InlineData("smtp://mail.example.com:25", "IP address or localhost")]
    public void Listener_RejectsWithClearMessage(string url, string why)
    {
        Assert.False(ListenerEndpoint.TryParse(url, out _, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("capture", nameof(UpstreamKind.Capture), 0)]
    [InlineData("smtp://smtp.office365.com:587", nameof(UpstreamKind.Smtp), 587)]
    [InlineData("smtps://smtp.gmail.com", nameof(UpstreamKind.Smtps), 465)]
    [InlineData("smtp://mail.example.com", nameof(UpstreamKind.Smtp), 25)]
    public void Upstream_Parses(string url, string kind, int port)
    {
        Assert.True(UpstreamEndpoint.TryParse(url, out var endpoint, out var error), error);
        Assert.Equal(Enum.Parse<UpstreamKind>(kind), endpoint!.Kind);
        Assert.Equal(port, endpoint.Port);
    }

    [Fact]
    public void Upstream_BadScheme_MentionsCapture()
    {
        Assert.False(UpstreamEndpoint.TryParse("imap://x:143", out _, out var error));
        Assert.Contains("capture", error, StringComparison.Ordinal);
    }
}
