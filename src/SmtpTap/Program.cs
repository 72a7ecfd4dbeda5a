using System.CommandLine;
using SmtpTap.Commands;

namespace SmtpTap;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (HomePaths.Problem() is { } homeProblem)
        {
            await Console.Error.WriteLineAsync("smtptap: " + homeProblem);
            return ExitCodes.Usage;
        }

        if (args.Length > 0 && args[0] == "proxy")
        {
            if (!Configuration.ProxyConfiguration.TryApply(ProxyCommand.Options, args[1..], Configuration.ProxyConfiguration.Environment(), out var effective, out var running, out var problem))
            {
                await Console.Error.WriteLineAsync("smtptap proxy: " + problem);
                return ExitCodes.Usage;
            }

            Configuration.ProxyConfiguration.Running = running;
            args = ["proxy", .. effective];
        }

        using var signals = ShutdownSignals.Register();
        var parseResult = RootCommandFactory.Create(signals).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await Console.Error.WriteLineAsync("smtptap: " + ParseErrorText.Plain(error.Message));
            }

            await Console.Error.WriteLineAsync("Run 'smtptap --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            // The signals above cancel the token; System.CommandLine's own termination handling stays off, and so does
            // its exception handler, which prints stack traces.
            var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
            if (Service.WindowsServiceHost.RunningAsService)
            {
                return await Service.WindowsServiceHost.RunAsync(parseResult, configuration);
            }

            return await parseResult.InvokeAsync(configuration, signals.Stop);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync($"smtptap: unexpected error ({ex.GetType().Name}): {ex.Message.ReplaceLineEndings(" ").Trim()}");
            return ExitCodes.Unexpected;
        }
    }
}
