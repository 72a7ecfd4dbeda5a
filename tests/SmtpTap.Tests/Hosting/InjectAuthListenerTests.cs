using SmtpTap.Core.Hosting;

namespace SmtpTap.Tests.Hosting;

public sealed class InjectAuthListenerTests
{
    [Theory]
    [InlineData("smtp://127.0.0.1:2526?inject-auth", false)]
    [InlineData("smtps://127.0.0.1:4650?proxy-protocol=v2&inject-auth", true)]
    public void Listener_InjectAuthMark_ParsedAndKeptInTheUrl(string url, bool implicitTls)
    {
        Assert.True(ListenerEndpoint.TryParse(url, out var endpoint, out var error), error);
        Assert.True(endpoint!.InjectAuth);
        Assert.Equal(implicitTls, endpoint.ImplicitTls);
        Assert.Equal(url, endpoint.Url);
    }

    [Fact]
    public void Listener_InjectAuthWithAValue_OneClearLine()
    {
        Assert.False(ListenerEndpoint.TryParse("smtp://127.0.0.1:2526?inject-auth=scanner", out _, out var error));
        Assert.Equal("--listen smtp://127.0.0.1:2526?inject-auth=scanner: inject-auth takes no value (the account is --inject-auth ACCOUNT)", error);
    }

    [Fact]
    public void AppliesTo_OnlyMarkedListeners_WhenAnyIsMarked_ElseEvery()
    {
        var marked = Parse("smtp://127.0.0.1:2526?inject-auth");
        var other = Parse("smtp://127.0.0.1:2525");
        var third = Parse("smtps://127.0.0.1:4650");

        Assert.True(InjectAuthOptions.AppliesTo(marked, [marked, other]));
        Assert.False(InjectAuthOptions.AppliesTo(other, [marked, other]));
        Assert.True(InjectAuthOptions.AppliesTo(other, [other, third]));
        Assert.True(InjectAuthOptions.AppliesTo(third, [other, third]));
    }

    private static ListenerEndpoint Parse(string url)
    {
        Assert.True(ListenerEndpoint.TryParse(url, out var endpoint, out var error), error);
        return endpoint!;
    }
}
