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
    public void Defaults_CommandLine12288AboveWhatServersTake_NoOwnMessageSizeLimit_NoTextLineLimit_RejectBareLf_MirrorStartTls()
    {
        var (ok, settings, _) = Build();
        Assert.True(ok);
        Assert.Equal(12288, settings!.MaxCommandLine);
        Assert.Equal(0, settings.MaxLineLength);
        Assert.Equal(SmtpTap.Core.Protocol.LineEndingPolicy.Reject, settings.LineEndings);
        Assert.Equal(SmtpTap.Core.Hosting.ClientStartTlsPolicy.Mirror, settings.ClientStartTls);
        Assert.Equal(0, settings.MaxMessageSize);
    }

    [Theory]
    [InlineData("--line-endings", "sometimes", "--line-endings must be 'reject' or 'fix'")]
    [InlineData("--client-starttls", "yes", "--client-starttls must be 'mirror', 'always' or 'never'")]
    public void EnumOptions_BadValue_OneClearLine(string option, string value, string expected)
    {
        var (ok, _, problem) = Build(option, value);
        Assert.False(ok);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void LineEndingsFixAndClientStartTlsNever_AreTaken()
    {
        var (ok, settings, _) = Build("--line-endings", "fix", "--client-starttls", "never", "--max-line-length", "1000");
        Assert.True(ok);
        Assert.Equal(SmtpTap.Core.Protocol.LineEndingPolicy.Fix, settings!.LineEndings);
        Assert.Equal(SmtpTap.Core.Hosting.ClientStartTlsPolicy.Never, settings.ClientStartTls);
        Assert.Equal(1000, settings.MaxLineLength);
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

    [Fact]
    public void OAuth2_OffByDefault_OnWithTheFlag()
    {
        Assert.False(Build().Settings!.OAuth2);
        Assert.True(Build("--oauth2").Settings!.OAuth2);
    }
}
