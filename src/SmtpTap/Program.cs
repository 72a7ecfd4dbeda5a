using SmtpTap.Commands;

namespace SmtpTap;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
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
