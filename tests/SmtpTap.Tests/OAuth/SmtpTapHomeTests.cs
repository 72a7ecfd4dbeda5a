using SmtpTap.OAuth;

namespace SmtpTap.Tests.OAuth;

public sealed class SmtpTapHomeTests
{
    [Fact]
    public void EnvironmentVariable_AbsolutePath_IsTheHome()
    {
        var home = SmtpTapHome.Resolve(name => name == "SMTPTAP_HOME" ? "/srv/smtptap/" : null);

        Assert.Equal("/srv/smtptap", home.Path);
        Assert.Equal("/srv/smtptap/accounts.json", home.AccountsFile);
        Assert.Equal("/srv/smtptap/tokens/work.tokens", home.TokenFile("work"));
    }

    [Fact]
    public void EnvironmentVariable_RelativePath_IsRefused()
    {
        var ex = Assert.Throws<OAuthException>(() => SmtpTapHome.Resolve(name => name == "SMTPTAP_HOME" ? "smtptap-home" : null));

        Assert.Equal("SMTPTAP_HOME must be an absolute path (it is 'smtptap-home')", ex.Message);
    }

    [Fact]
    public void Default_IsThePerUserConfigFolder_WhateverTheCurrentFolder()
    {
        var expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "smtptap");
        var before = Environment.CurrentDirectory;

        var first = SmtpTapHome.Resolve(_ => null).Path;
        var second = SmtpTapHome.Resolve(name => name == "SMTPTAP_HOME" ? "" : null).Path;

        Assert.Equal(expected, first);
        Assert.Equal(expected, second);
        Assert.True(Path.IsPathFullyQualified(first));
        Assert.Equal(before, Environment.CurrentDirectory);
    }
}
