using SmtpTap.Commands;

namespace SmtpTap;

internal static class Program
{
    public static Task<int> Main(string[] args) => RootCommandFactory.Create().Parse(args).InvokeAsync();
}
