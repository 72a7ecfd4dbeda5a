using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.WindowsServices;

namespace SmtpTap.Service;

/// <summary>
/// Under the Windows Service Control Manager, smtptap runs its command inside Microsoft.Extensions.Hosting with
/// UseWindowsService's lifetime: the SCM's stop request cancels the command's token, which is the graceful stop
/// (421 to clients, drain, flush). Not exercised by the test suite (it runs on Linux); see docs/install.md.
/// </summary>
internal static class WindowsServiceHost
{
    public static bool RunningAsService => OperatingSystem.IsWindows() && WindowsServiceHelpers.IsWindowsService();

    public static async Task<int> RunAsync(ParseResult parseResult, InvocationConfiguration configuration)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddWindowsService(o => o.ServiceName = WindowsServiceCommands.ServiceName);
        var command = new CommandService(parseResult, configuration);
        builder.Services.AddSingleton<IHostedService>(command);
        using var host = builder.Build();
        await host.RunAsync();
        return command.ExitCode;
    }

    private sealed class CommandService(ParseResult parseResult, InvocationConfiguration configuration) : BackgroundService
    {
        public int ExitCode { get; private set; }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken) =>
            ExitCode = await parseResult.InvokeAsync(configuration, stoppingToken);
    }
}
