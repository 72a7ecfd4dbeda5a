using System.Text;

namespace SmtpTap.Commands;

/// <summary>
/// Where the probe's secret can come from besides the command line: environment variables, a line on
/// standard input, or a prompt that does not echo. Tests pass their own; the real one uses the console.
/// </summary>
internal sealed record ProbeInput
{
    public required Func<string, string?> GetEnvironment { get; init; }

    /// <summary>Reads one line from standard input (null at end of input).</summary>
    public required Func<string?> ReadStandardInputLine { get; init; }

    /// <summary>True when standard input is a terminal, so a prompt can be shown.</summary>
    public required bool CanPrompt { get; init; }

    /// <summary>Shows the prompt on standard error and reads a line without echoing it.</summary>
    public required Func<string, string?> PromptWithoutEcho { get; init; }

    public static ProbeInput FromConsole() => new()
    {
        GetEnvironment = Environment.GetEnvironmentVariable,
        ReadStandardInputLine = Console.In.ReadLine,
        CanPrompt = !Console.IsInputRedirected,
        PromptWithoutEcho = ReadHidden,
    };

    private static string? ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
