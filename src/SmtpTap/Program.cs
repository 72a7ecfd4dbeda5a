using SmtpTap.Commands;

namespace SmtpTap;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "proxy")
        {
            if (!Configuration.ProxyConfiguration.TryApply(ProxyCommand.Options, args[1..], Configuration.ProxyConfiguration.Environment(), out var effective, out _, out var problem))
            {
                await Console.Error.WriteLineAsync("smtptap proxy: " + problem);
                return ExitCodes.Usage;
            }

            args = ["proxy", .. effective];
        }

        var parseResult = RootCommandFactory.Create().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await Console.Error.WriteLineAsync("smtptap: " + error.Message);
            }

            await Console.Error.WriteLineAsync("Run 'smtptap --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parseResult.InvokeAsync();
    }
}
