using System.CommandLine;
using SmtpTap.Commands;

namespace SmtpTap.Tests.Commands;

/// <summary><c>smtptap proxy --help</c> grouped by purpose with consistent placeholders; other commands keep the default help.</summary>
public sealed class ProxyHelpTests
{
    private static string Help(params string[] args)
    {
        var output = new StringWriter();
        var exit = RootCommandFactory.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, exit);
        return output.ToString();
    }

    [Fact]
    public void ProxyHelp_GroupsInOrder_EveryOptionExactlyOnce_WithPlaceholders()
    {
        var help = Help("proxy", "--help");
        var groups = new[] { "Listeners and configuration:", "Upstream (the real server):", "TLS on the client leg:", "Transcript and capture:", "Limits and line policy:", "Running as a service:" };
        var positions = groups.Select(g => help.IndexOf(g, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        foreach (var option in ProxyCommand.Options.Where(o => o is not System.CommandLine.Help.HelpOption))
        {
            Assert.Single(help.Split('\n'), l => l.TrimStart().StartsWith(option.Name + " ", StringComparison.Ordinal) || l.Trim() == option.Name || l.TrimStart().StartsWith(option.Name + "  ", StringComparison.Ordinal));
        }

        Assert.Contains("--listen URL", help, StringComparison.Ordinal);
        Assert.Contains("--transcripts DIR", help, StringComparison.Ordinal);
        Assert.Contains("--idle-timeout SECONDS", help, StringComparison.Ordinal);
        Assert.Contains("--max-sessions N", help, StringComparison.Ordinal);
        Assert.Contains("--line-endings reject|fix", help, StringComparison.Ordinal);
        Assert.Contains("--drain-timeout SECONDS", help, StringComparison.Ordinal);
        Assert.Contains("--trusted-proxy CIDR", help, StringComparison.Ordinal);
        Assert.DoesNotContain("Other:", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--listen <", help, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherCommands_KeepTheDefaultHelp()
    {
        var help = Help("cert", "--help");
        Assert.Contains("cert [command] [options]", help, StringComparison.Ordinal);
        Assert.DoesNotContain("Listeners and configuration:", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _smtptap_complete smtptap")]
    [InlineData("zsh", "compdef _smtptap smtptap")]
    [InlineData("powershell", "Register-ArgumentCompleter -Native -CommandName smtptap")]
    public void CompletionScripts_AskSmtptapThroughTheSuggestDirective(string shell, string hook)
    {
        var script = Help("completion", shell);
        Assert.Contains(hook, script, StringComparison.Ordinal);
        Assert.Contains("[suggest:", script, StringComparison.Ordinal);
    }
}
