using System.CommandLine;
using SmtpTap.Commands;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Probe;

/// <summary>Runs <c>smtptap probe</c> in-process with captured output, a fake environment and standard input.</summary>
internal static class ProbeCli
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<(int Exit, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string>? environment = null, string? stdin = null, params string[] args)
    {
        var env = environment ?? new Dictionary<string, string>();
        var lines = new Queue<string>((stdin ?? string.Empty).Split('\n'));
        var input = new ProbeInput
        {
            GetEnvironment = name => env.TryGetValue(name, out var value) ? value : null,
            ReadStandardInputLine = () => stdin is null || lines.Count == 0 ? null : lines.Dequeue(),
            CanPrompt = false,
            PromptWithoutEcho = _ => throw new InvalidOperationException("no prompt in tests"),
        };
        var output = new StringWriterSync();
        var error = new StringWriterSync();
        var exit = await ProbeCommand.Create(input).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).WaitAsync(Timeout);
        return (exit, output.ToString(), error.ToString());
    }

    public static Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, null, args);
}
