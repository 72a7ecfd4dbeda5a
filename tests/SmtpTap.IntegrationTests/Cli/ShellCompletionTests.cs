using System.Diagnostics;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>The bash completion script, sourced in a real bash, completes commands, options and option values from the real smtptap.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ShellCompletionTests
{
    [Theory]
    [InlineData("smtptap pr", "probe proxy")]
    [InlineData("smtptap proxy --line-e", "--line-endings")]
    [InlineData("smtptap proxy --line-endings ", "fix reject")]
    [InlineData("smtptap proxy --client-starttls ", "always mirror never")]
    public async Task Bash_CompletesFromTheInstalledCommand(string line, string expected)
    {
        using var temp = new TempDirectory();
        var wrapper = Path.Combine(temp.Path, "smtptap");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "smtptap.dll")}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var words = line.EndsWith(' ') ? line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append(string.Empty).ToArray() : line.Split(' ');
        var script = $$"""
            eval "$(smtptap completion bash)"
            COMP_LINE='{{line}}'
            COMP_POINT=${#COMP_LINE}
            COMP_WORDS=({{string.Join(' ', words.Select(w => "'" + w + "'"))}})
            COMP_CWORD={{words.Length - 1}}
            _smtptap_complete
            echo "${COMPREPLY[*]}"
            """;
        var start = new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = temp.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(expected, string.Join(' ', output.Trim().Split(' ').Order(StringComparer.Ordinal)));
    }
}
