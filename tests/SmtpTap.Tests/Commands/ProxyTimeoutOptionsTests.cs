using SmtpTap.Commands;

namespace SmtpTap.Tests.Commands;

/// <summary>The load and timeout options of `smtptap proxy` reach the settings, and bad values are refused.</summary>
public sealed class ProxyTimeoutOptionsTests
{
    private static (bool Ok, ProxySettings? Settings, string? Problem) Build(params string[] args)
    {
        var parse = ProxyCommand.Create().Parse(args);
        var ok = ProxyCommand.TryBuild(parse, out var settings, out var problem);
        return (ok, settings, problem);
    }

    [Fact]
    public void Defaults_FollowRfc5321AndPostfix()
    {
        var (ok, settings, _) = Build();
        Assert.True(ok);
        Assert.Equal(300, settings!.IdleTimeoutSeconds);
        Assert.Equal(500, settings.MinDataRate);
        Assert.Equal(0, settings.MaxSessionsPerAddress);
    }

    [Fact]
    public void GivenValues_ReachTheSettings()
    {
        var (ok, settings, _) = Build("--idle-timeout", "60", "--min-data-rate", "0", "--max-sessions-per-ip", "20");
        Assert.True(ok);
        Assert.Equal(60, settings!.IdleTimeoutSeconds);
        Assert.Equal(0, settings.MinDataRate);
        Assert.Equal(20, settings.MaxSessionsPerAddress);
    }

    [Theory]
    [InlineData("--idle-timeout", "0")]
    [InlineData("--min-data-rate", "-1")]
    [InlineData("--max-sessions-per-ip", "-5")]
    public void BadValues_Refused(string option, string value)
    {
        var (ok, _, problem) = Build(option, value);
        Assert.False(ok);
        Assert.Contains(option, problem, StringComparison.Ordinal);
    }
}
