using Microsoft.Extensions.Configuration;
using SmtpTap.Commands;
using SmtpTap.Configuration;

namespace SmtpTap.Tests.Commands;

/// <summary><c>smtptap proxy --inject-auth</c>: off by default, needs the app password's variable, loopback unless allowed, also from SMTPTAP_ variables.</summary>
public sealed class ProxyInjectAuthOptionsTests
{
    private static (bool Ok, ProxySettings? Settings, string? Problem) Build(params string[] args)
    {
        var parse = RootCommandFactory.Create().Parse(["proxy", .. args]);
        Assert.Empty(parse.Errors);
        var ok = ProxyCommand.TryBuild(parse, out var settings, out var problem);
        return (ok, settings, problem);
    }

    [Fact]
    public void InjectAuth_IsOffByDefault()
    {
        var (ok, settings, _) = Build();
        Assert.True(ok);
        Assert.Null(settings!.InjectAuth);
        Assert.False(settings.InjectAuthAllowRemote);
    }

    [Fact]
    public void InjectAuth_WithItsPasswordVariable_IsTaken()
    {
        var (ok, settings, _) = Build("--inject-auth", "scanner", "--inject-auth-password-env", "SCANNER_APP_PASSWORD", "--inject-auth-allow-remote");
        Assert.True(ok);
        Assert.Equal("scanner", settings!.InjectAuth);
        Assert.Equal("SCANNER_APP_PASSWORD", settings.InjectAuthPasswordEnv);
        Assert.True(settings.InjectAuthAllowRemote);
    }

    [Theory]
    [InlineData(new[] { "--inject-auth", "scanner" }, "--inject-auth needs --inject-auth-password-env VAR")]
    [InlineData(new[] { "--inject-auth", "scanner", "--inject-auth-password-env", "hunter2 with spaces" }, "--inject-auth-password-env takes the NAME of an environment variable")]
    [InlineData(new[] { "--inject-auth-allow-remote" }, "--inject-auth-password-env and --inject-auth-allow-remote need --inject-auth ACCOUNT")]
    [InlineData(new[] { "--listen", "smtp://127.0.0.1:2526?inject-auth" }, "--listen smtp://127.0.0.1:2526?inject-auth is marked inject-auth, which needs --inject-auth ACCOUNT")]
    [InlineData(new[] { "--inject-auth", "scanner", "--inject-auth-password-env", "V", "--oauth2" }, "--inject-auth on every listener leaves none for --oauth2")]
    [InlineData(new[] { "--listen", "smtp://127.0.0.1:2526?inject-auth", "--inject-auth", "scanner", "--inject-auth-password-env", "V", "--oauth2" }, "--inject-auth on every listener leaves none for --oauth2")]
    public void InjectAuth_BadCombinations_OneClearLine(string[] args, string expected)
    {
        var (ok, _, problem) = Build(args);
        Assert.False(ok);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void InjectAuth_OnMarkedListeners_AndOAuth2OnTheOthers_IsTaken()
    {
        var (ok, settings, problem) = Build("--listen", "smtp://127.0.0.1:2526?inject-auth", "--listen", "smtp://127.0.0.1:2525",
            "--inject-auth", "scanner", "--inject-auth-password-env", "V", "--oauth2");
        Assert.True(ok, problem);
        Assert.True(settings!.OAuth2);
        Assert.Equal("scanner", settings.InjectAuth);
    }

    [Fact]
    public void InjectAuth_PasswordVariableValueIsNeverEchoed()
    {
        var (_, _, problem) = Build("--inject-auth", "scanner", "--inject-auth-password-env", "s3cret!pass");
        Assert.DoesNotContain("s3cret!pass", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void InjectAuth_FromSmtptapEnvironmentVariables()
    {
        var environment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["INJECT_AUTH"] = "scanner",
            ["INJECT_AUTH_PASSWORD_ENV"] = "SCANNER_APP_PASSWORD",
            ["INJECT_AUTH_ALLOW_REMOTE"] = "true",
        }).Build();
        Assert.True(ProxyConfiguration.TryApply(ProxyCommand.Options, [], environment, out var effective, out _, out var problem), problem);
        var parse = RootCommandFactory.Create().Parse(["proxy", .. effective]);
        Assert.Empty(parse.Errors);
        Assert.True(ProxyCommand.TryBuild(parse, out var settings, out problem), problem);
        Assert.Equal("scanner", settings!.InjectAuth);
        Assert.Equal("SCANNER_APP_PASSWORD", settings.InjectAuthPasswordEnv);
        Assert.True(settings.InjectAuthAllowRemote);
    }
}
