using System.CommandLine;
using SmtpTap.Service;

namespace SmtpTap.Commands;

/// <summary><c>smtptap service install|uninstall|status</c>: SmtpTap as a systemd service (Type=notify, hardened, restart on failure).</summary>
internal static class ServiceCommand
{
    public static Command Create()
    {
        var command = new Command("service", "Run SmtpTap as a service: on Linux a hardened Type=notify systemd unit, on Windows a Windows service (sc.exe), both starting 'smtptap proxy --config FILE'.");
        var unitDir = new Option<string>("--unit-dir") { Description = "Where the unit file goes.", DefaultValueFactory = _ => ServiceInstaller.DefaultUnitDirectory, HelpName = "DIR" };
        var config = new Option<string>("--config") { Description = "The configuration file the service reads (a starter file is written if it does not exist).", DefaultValueFactory = _ => ServiceInstaller.DefaultConfig, HelpName = "FILE" };
        var noStart = new Option<bool>("--no-start") { Description = "Only write the unit; do not run systemctl enable --now." };
        var drain = new Option<int>("--drain-timeout") { Description = "Seconds a stop lets messages in DATA finish (systemd waits 15 s longer before it kills).", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };

        var install = new Command("install", "Write /etc/systemd/system/smtptap.service (and a starter /etc/smtptap/smtptap.json), then enable and start it.");
        foreach (var option in new Option[] { unitDir, config, noStart, drain })
        {
            install.Options.Add(option);
        }

        install.SetAction(parseResult => Guard(parseResult, () =>
        {
            if (OperatingSystem.IsWindows())
            {
                return WindowsServiceCommands.Install(parseResult.GetValue(config)!, parseResult.InvocationConfiguration.Output);
            }

            new ServiceInstaller(parseResult.GetValue(unitDir)!, parseResult.InvocationConfiguration.Output)
                .Install(parseResult.GetValue(config)!, parseResult.GetValue(drain), start: !parseResult.GetValue(noStart));
            return ExitCodes.Ok;
        }));

        var uninstall = new Command("uninstall", "Stop and disable the service and remove its unit (configuration and transcripts are kept).");
        uninstall.Options.Add(unitDir);
        uninstall.SetAction(parseResult => Guard(parseResult, () =>
        {
            if (OperatingSystem.IsWindows())
            {
                return WindowsServiceCommands.Uninstall(parseResult.InvocationConfiguration.Output);
            }

            new ServiceInstaller(parseResult.GetValue(unitDir)!, parseResult.InvocationConfiguration.Output).Uninstall();
            return ExitCodes.Ok;
        }));

        var status = new Command("status", "Show whether the unit is installed and, where systemd runs, its state.");
        status.Options.Add(unitDir);
        status.SetAction(parseResult => Guard(parseResult, () => OperatingSystem.IsWindows()
            ? WindowsServiceCommands.Status(parseResult.InvocationConfiguration.Output)
            : new ServiceInstaller(parseResult.GetValue(unitDir)!, parseResult.InvocationConfiguration.Output).Status()));

        command.Subcommands.Add(install);
        command.Subcommands.Add(uninstall);
        command.Subcommands.Add(status);
        return command;
    }

    private static int Guard(ParseResult parseResult, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            parseResult.InvocationConfiguration.Error.WriteLine("smtptap service: " + ex.Message + (ex is UnauthorizedAccessException ? " (run it as root, or pick folders with --unit-dir and --config)" : string.Empty));
            return ExitCodes.Usage;
        }
    }
}
