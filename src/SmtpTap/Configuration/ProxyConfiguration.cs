using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace SmtpTap.Configuration;

/// <summary>
/// Every <c>proxy</c> option can also come from a JSON file (<c>--config FILE</c>: keys are the long option names as
/// typed on the command line, repeatable options as lists) and from environment variables (<c>SMTPTAP_</c> + the name
/// in capitals with <c>_</c> for <c>-</c>; lists comma-separated). Precedence: command line, then environment, then
/// file, then the option's default. Both sources are read with Microsoft.Extensions.Configuration; what they give is
/// turned into ordinary command-line tokens appended after the user's own, so the one System.CommandLine parser
/// checks every value the same way whatever its source.
/// </summary>
internal static class ProxyConfiguration
{
    public const string EnvironmentPrefix = "SMTPTAP_";
    public const string ConfigOption = "--config";

    /// <summary>The effective settings of the running <c>smtptap proxy</c> (set at start), for the support bundle.</summary>
    public static IReadOnlyList<EffectiveSetting>? Running { get; set; }

    /// <summary>
    /// The arguments with every option the command line did not set taken from the environment or the file, and the
    /// effective settings with their sources. False (with one line naming the key and, for a file, the line) if the file
    /// is missing, is not valid JSON, or has a key that is no <c>proxy</c> option.
    /// </summary>
    public static bool TryApply(IReadOnlyList<Option> options, string[] args, IConfiguration environment, out string[] effective, out List<EffectiveSetting> settings, out string? problem)
    {
        effective = args;
        settings = [];
        problem = null;
        var configFile = FindValue(args, ConfigOption);
        Dictionary<string, List<string>> fromFile = new(StringComparer.OrdinalIgnoreCase);
        if (configFile is not null && !TryReadFile(options, configFile, fromFile, out problem))
        {
            return false;
        }

        var extra = new List<string>();
        foreach (var option in options)
        {
            var name = option.Name.TrimStart('-');
            if (name == ConfigOption.TrimStart('-'))
            {
                continue;
            }

            var onCommandLine = GivenOnCommandLine(args, option);
            var envValue = environment[name.ToUpperInvariant().Replace('-', '_')];
            List<string>? values;
            SettingSource source;
            if (onCommandLine)
            {
                values = CommandLineValues(args, option);
                source = SettingSource.CommandLine;
            }
            else if (envValue is not null)
            {
                values = IsList(option) ? [.. envValue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : [envValue];
                source = SettingSource.Environment;
            }
            else if (fromFile.TryGetValue(name, out var fileValues))
            {
                values = fileValues;
                source = SettingSource.File;
            }
            else
            {
                values = option.HasDefaultValue && option.GetDefaultValue() is { } d ? [Show(d)] : [];
                source = SettingSource.Default;
            }

            if (source is SettingSource.Environment or SettingSource.File)
            {
                foreach (var value in values)
                {
                    extra.Add(option.Name);
                    extra.Add(value);
                }
            }

            settings.Add(new EffectiveSetting(name, values, source));
        }

        effective = [.. args, .. extra];
        return true;
    }

    /// <summary>The environment as Microsoft.Extensions.Configuration sees it, under the SMTPTAP_ prefix.</summary>
    public static IConfiguration Environment() => new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build();

    private static bool TryReadFile(IReadOnlyList<Option> options, string path, Dictionary<string, List<string>> values, out string? problem)
    {
        problem = null;
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            problem = $"{ConfigOption} {path}: file not found";
            return false;
        }

        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            var json = FindJsonException(ex);
            problem = json is not null
                ? $"{ConfigOption} {path}: not valid JSON at line {(json.LineNumber ?? 0) + 1}: {FirstSentence(json.Message)}"
                : $"{ConfigOption} {path}: cannot be read: {FirstSentence(ex.Message)}";
            return false;
        }

        var text = File.ReadAllLines(full);
        var known = options.ToDictionary(o => o.Name.TrimStart('-'), StringComparer.OrdinalIgnoreCase);
        foreach (var section in root.GetChildren())
        {
            var line = LineOf(text, section.Key);
            if (!known.TryGetValue(section.Key, out var option) || section.Key.Equals(ConfigOption.TrimStart('-'), StringComparison.OrdinalIgnoreCase))
            {
                problem = $"{ConfigOption} {path}, line {line}: unknown key \"{section.Key}\" (keys are the long names of the proxy options, e.g. \"listen\", \"upstream\", \"max-sessions\")";
                return false;
            }

            if (section.Value is { } single)
            {
                values[section.Key] = [single];
                continue;
            }

            var items = section.GetChildren().ToList();
            if (items.Any(i => i.Value is null || !int.TryParse(i.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)) || !IsList(option))
            {
                problem = $"{ConfigOption} {path}, line {line}: \"{section.Key}\" must be {(IsList(option) ? "a list of strings" : "a single value")}";
                return false;
            }

            values[section.Key] = [.. items.OrderBy(i => int.Parse(i.Key, System.Globalization.CultureInfo.InvariantCulture)).Select(i => i.Value!)];
        }

        return true;
    }

    private static JsonException? FindJsonException(Exception? ex)
    {
        while (ex is not null)
        {
            if (ex is JsonException json)
            {
                return json;
            }

            ex = ex.InnerException;
        }

        return null;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message.TrimEnd('.');
    }

    private static int LineOf(string[] lines, string key)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains('"' + key + '"', StringComparison.OrdinalIgnoreCase))
            {
                return i + 1;
            }
        }

        return 1;
    }

    private static bool IsList(Option option) => option.ValueType.IsArray;

    private static string Show(object value) => value switch
    {
        bool b => b ? "true" : "false",
        Enum e => e.ToString().ToLowerInvariant(),
        Array a => string.Join(",", a.Cast<object>()),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static bool IsToken(string arg, Option option) =>
        arg == option.Name || option.Aliases.Contains(arg)
        || arg.StartsWith(option.Name + "=", StringComparison.Ordinal) || arg.StartsWith(option.Name + ":", StringComparison.Ordinal);

    private static bool GivenOnCommandLine(string[] args, Option option) => args.Any(a => IsToken(a, option));

    private static List<string> CommandLineValues(string[] args, Option option)
    {
        var values = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!IsToken(args[i], option))
            {
                continue;
            }

            var inline = args[i].Length > option.Name.Length && args[i].StartsWith(option.Name, StringComparison.Ordinal) ? args[i][(option.Name.Length + 1)..] : null;
            if (inline is not null)
            {
                values.Add(inline);
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                values.Add(args[i + 1]);
            }
            else
            {
                values.Add("true");
            }
        }

        return values;
    }

    private static string? FindValue(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }
}
