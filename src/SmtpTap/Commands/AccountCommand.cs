using System.CommandLine;
using System.Diagnostics;
using SmtpTap.OAuth;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap account add|list|remove|login|refresh|test</c>: OAuth2 and password accounts in the SmtpTap home
/// (<c>$SMTPTAP_HOME</c>, else the per-user config folder), tokens and passwords encrypted with the app password.
/// </summary>
internal static class AccountCommand
{
    public static Command Create(AccountContext? context = null)
    {
        var ctx = context ?? AccountContext.FromConsole();
        var command = new Command("account", "Accounts for the upstream server: OAuth2 tokens or a stored server password, encrypted with an app password (used by smtptap proxy --oauth2 and --inject-auth)");
        command.Subcommands.Add(AccountAddCommand.Create(ctx));
        command.Subcommands.Add(AccountListCommand.Create(ctx));
        command.Subcommands.Add(AccountRemoveCommand.Create(ctx));
        command.Subcommands.Add(AccountLoginCommand.Create(ctx));
        command.Subcommands.Add(AccountRefreshCommand.Create(ctx));
        command.Subcommands.Add(AccountTestCommand.Create(ctx));
        return command;
    }

    internal static Argument<string> NameArgument() => new("NAME") { Description = "Account name (letters, digits, '.', '_', '-')" };

    internal static Option<string?> AppPasswordEnvOption() => new("--app-password-env")
    {
        Description = "Read the app password from this environment variable instead of prompting",
        HelpName = "VAR",
    };

    /// <summary>Runs an account subcommand body: one clear line and exit 2 for what the user can fix, never a stack trace.</summary>
    internal static async Task<int> RunAsync(ParseResult parseResult, Func<TextWriter, Task<int>> body)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            var exit = await body(output);
            await output.FlushAsync();
            return exit;
        }
        catch (Exception ex) when (ex is OAuthException or UserInputException or IOException or UnauthorizedAccessException)
        {
            await output.FlushAsync();
            await error.WriteLineAsync("smtptap account: " + OAuthClient.Clean(ex.Message));
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("smtptap account: stopped");
            return ExitCodes.Usage;
        }
        catch (Exception ex)
        {
            await error.WriteLineAsync($"smtptap account: unexpected error ({ex.GetType().Name}): {OAuthClient.Clean(ex.Message)}");
            return ExitCodes.Unexpected;
        }
    }
}

/// <summary>What account commands take from the process: environment, prompts, the browser. Tests pass their own.</summary>
internal sealed record AccountContext
{
    public required ProbeInput Input { get; init; }

    public required Func<string, bool> OpenBrowser { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public KdfCost? KdfCost { get; init; }

    public static AccountContext FromConsole() => new()
    {
        Input = ProbeInput.FromConsole(),
        OpenBrowser = TryOpenBrowser,
    };

    public SmtpTapHome Home() => SmtpTapHome.Resolve(Input.GetEnvironment);

    /// <summary>Opens the system browser where there is one (a desktop session); false otherwise.</summary>
    private static bool TryOpenBrowser(string url)
    {
        try
        {
            ProcessStartInfo start;
            if (OperatingSystem.IsWindows())
            {
                start = new ProcessStartInfo(url) { UseShellExecute = true };
            }
            else if (OperatingSystem.IsMacOS())
            {
                start = new ProcessStartInfo("open", [url]);
            }
            else if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            {
                start = new ProcessStartInfo("xdg-open", [url]);
            }
            else
            {
                return false;
            }

            start.RedirectStandardOutput = !start.UseShellExecute;
            start.RedirectStandardError = !start.UseShellExecute;
            using var process = Process.Start(start);
            return process is not null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    }
}
