using System.CommandLine;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap completion bash|zsh|powershell</c>: prints a completion script for the shell. The scripts ask smtptap
/// itself through System.CommandLine's <c>[suggest:POSITION]</c> directive, so completions always match the installed
/// version's commands, options and option values.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        # smtptap completion for bash: eval "$(smtptap completion bash)" (e.g. in ~/.bashrc)
        _smtptap_complete() {
            local IFS=$'\n'
            local line="${COMP_LINE#* }"
            local point=$(( COMP_POINT - ${#COMP_LINE} + ${#line} ))
            [ "$point" -lt 0 ] && point=0
            COMPREPLY=( $(compgen -W "$(smtptap "[suggest:$point]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _smtptap_complete smtptap
        """;

    private const string Zsh = """
        # smtptap completion for zsh: eval "$(smtptap completion zsh)" (e.g. in ~/.zshrc)
        _smtptap() {
            local line="${BUFFER#* }"
            local point=$(( CURSOR - ${#BUFFER} + ${#line} ))
            (( point < 0 )) && point=0
            local -a completions
            completions=("${(@f)$(smtptap "[suggest:$point]" "$line" 2>/dev/null)}")
            compadd -a completions
        }
        compdef _smtptap smtptap
        """;

    private const string PowerShell = """
        # smtptap completion for PowerShell: smtptap completion powershell | Out-String | Invoke-Expression
        Register-ArgumentCompleter -Native -CommandName smtptap -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            $text = $commandAst.ToString()
            $line = $text.Substring($text.IndexOf(' ') + 1)
            $point = [Math]::Max(0, $cursorPosition - $commandAst.Extent.StartOffset - ($text.Length - $line.Length))
            smtptap "[suggest:$point]" "$line" | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }
        """;

    public static Command Create()
    {
        var command = new Command("completion", "Print a shell completion script: eval \"$(smtptap completion bash)\" (bash, zsh) or smtptap completion powershell | Out-String | Invoke-Expression.");
        var shell = new Argument<string>("shell") { Description = "bash, zsh or powershell" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "powershell");
        command.Arguments.Add(shell);
        command.SetAction(parseResult =>
        {
            var script = parseResult.GetValue(shell) switch
            {
                "zsh" => Zsh,
                "powershell" => PowerShell,
                _ => Bash,
            };
            parseResult.InvocationConfiguration.Output.WriteLine(script);
            return ExitCodes.Ok;
        });
        return command;
    }
}
