using SmtpTap.Commands;

namespace SmtpTap.Tests.Commands;

/// <summary><c>smtptap proxy --web</c>: off by default, loopback unless --web-allow-remote, bounded history.</summary>
public sealed class ProxyWebOptionsTests
{
    private static (bool Ok, ProxySettings? Settings, string? Problem) Build(params string[] args)
    {
        var parse = RootCommandFactory.Create().Parse(["proxy", .. args]);
        Assert.Empty(parse.Errors);
        var ok = ProxyCommand.TryBuild(parse, out var settings, out var problem);
        return (ok, settings, problem);
    }

    [Fact]
    public void Web_IsOffByDefault_WithAHistoryOf1000()
    {
        var (ok, settings, _) = Build();
        Assert.True(ok);
        Assert.Null(settings!.Web);
        Assert.False(settings.WebAllowRemote);
        Assert.Equal(1000, settings.WebHistory);
        Assert.Equal(200, settings.WebLines);
    }

    [Fact]
    public void Web_OnLoopback_IsTaken_WithItsHistory()
    {
        var (ok, settings, _) = Build("--web", "127.0.0.1:8025", "--web-history", "50", "--web-lines", "40");
        Assert.True(ok);
        Assert.Equal("127.0.0.1:8025", settings!.Web!.ToString());
        Assert.Equal(50, settings.WebHistory);
        Assert.Equal(40, settings.WebLines);
    }

    [Theory]
    [InlineData(new[] { "--web", "0.0.0.0:8025" }, "--web 0.0.0.0:8025 is reachable from other machines: add --web-allow-remote")]
    [InlineData(new[] { "--web", "localhost:8025" }, "--web must be HOST:PORT with an IP address")]
    [InlineData(new[] { "--web-allow-remote" }, "--web-allow-remote needs --web HOST:PORT")]
    [InlineData(new[] { "--web", "127.0.0.1:8025", "--web-history", "0" }, "--web-history must be at least 1")]
    [InlineData(new[] { "--web", "127.0.0.1:8025", "--web-lines", "0" }, "--web-lines must be at least 1")]
    public void Web_BadCombinations_OneClearLine(string[] args, string expected)
    {
        var (ok, _, problem) = Build(args);
        Assert.False(ok);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Web_NonLoopback_WithAllowRemote_IsTaken()
    {
        var (ok, settings, _) = Build("--web", "0.0.0.0:8025", "--web-allow-remote");
        Assert.True(ok);
        Assert.True(settings!.WebAllowRemote);
    }
}
