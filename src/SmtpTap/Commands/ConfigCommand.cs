using System.CommandLine;
using SmtpTap.Configuration;

namespace SmtpTap.Commands;

/// <summary><c>smtptap config show [--config FILE]</c>: the effective <c>proxy</c> settings and where each comes from.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var command = new Command("config", "Show the effective proxy settings from the command line, SMTPTAP_* environment variables, a --config file and the defaults.");
        var show = new Command("show", "Print every proxy option with its effective value and its source (command line > environment > file > default).");
        var config = new Option<string?>(ProxyConfiguration.ConfigOption) { Description = "The JSON configuration file to read, as with smtptap proxy --config." };
        show.Options.Add(config);
        show.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var file = parseResult.GetValue(config);
            string[] args = file is null ? [] : [ProxyConfiguration.ConfigOption, file];
            if (!ProxyConfiguration.TryApply(ProxyCommand.Options, args, ProxyConfiguration.Environment(), out _, out var settings, out var problem))
            {
                error.WriteLine("smtptap config: " + problem);
                return ExitCodes.Usage;
            }

            var width = settings.Max(s => s.Name.Length);
            foreach (var setting in settings)
            {
                // No proxy option holds a secret itself: passwords are named by --*-env options, never given as values.
                var value = setting.Values.Count == 0 ? "(none)" : string.Join(", ", setting.Values);
                output.WriteLine($"{setting.Name.PadRight(width)}  {value}  [{Source(setting.Source)}]");
            }

            return ExitCodes.Ok;
        });
        command.Subcommands.Add(show);
        return command;
    }

    private static string Source(SettingSource source) => source switch
    {
        SettingSource.CommandLine => "command line",
        SettingSource.Environment => "environment",
        SettingSource.File => "file",
        _ => "default",
    };
}
