using SmtpTap.Commands;

namespace SmtpTap.Tests.Commands;

/// <summary>The hardening limits a user can tune on <c>smtptap proxy</c> (docs/security.md).</summary>
public sealed class ProxyLimitOptionsTests
{
    private static (bool Ok, ProxySettings? Settings, string? Problem) Build(params string[] args)
    {
        var parse = RootCommandFactory.Create().Parse(["proxy", .. args]);
        var ok = ProxyCommand.TryBuild(parse, out var settings, out var problem);
        return (ok, settings, problem);
    }

    [Fact]
    public void Defaults_CommandLine512_NoOwnMessageSizeLimit()
    {
        var (ok, settings, _) = Build();
        Assert.True(ok);
        Assert.Equal(512, settings!.MaxCommandLine);
        Assert.Equal(0, settings.MaxMessageSize);
    }

    [Fact]
    public void Options_AreTakenAsGiven()
    {
        var (ok, settings, _) = Build("--max-command-line", "2048", "--max-message-size", "1048576");
        Assert.True(ok);
        Assert.Equal(2048, settings!.MaxCommandLine);
        Assert.Equal(1048576, settings.MaxMessageSize);
    }

    [Theory]
    [InlineData("--max-command-line", "511")]
    [InlineData("--max-message-size", "-1")]
    public void BelowRfcMinimumOrNegative_IsAUsageError(string option, string value)
    {
        var (ok, _, problem) = Build(option, value);
        Assert.False(ok);
        Assert.Contains(option, problem, StringComparison.Ordinal);
    }
}
