using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace SmtpTap.Commands;

/// <summary>
/// <c>smtptap proxy --help</c> grouped by purpose (listeners, upstream, TLS, transcript, limits) with consistent
/// placeholders (URL, FILE, DIR, N, SECONDS); every other command keeps System.CommandLine's own help.
/// </summary>
internal static class ProxyHelp
{
    private static readonly (string Title, string[] Names)[] s_groups =
    [
        ("Listeners and configuration", ["--listen", "--trusted-proxy", "--config"]),
        ("Upstream (the real server)", ["--upstream", "--upstream-tls", "--upstream-ca", "--upstream-insecure", "--allow-plain-auth", "--oauth2", "--inject-auth", "--inject-auth-password-env", "--inject-auth-allow-remote"]),
        ("TLS on the client leg", ["--cert-dir", "--cert", "--key", "--cert-password-env", "--client-starttls"]),
        ("Transcript and capture", ["--transcripts", "--json", "--log-file", "--capture-dir", "--show-body", "--mask-usernames"]),
        ("Limits and line policy", ["--max-sessions", "--max-sessions-per-ip", "--idle-timeout", "--min-data-rate", "--max-command-line", "--max-line-length", "--max-message-size", "--line-endings"]),
        ("Running as a service", ["--drain-timeout", "--metrics", "--otlp"]),
        ("Web UI (work in progress)", ["--web", "--web-allow-remote", "--web-history", "--web-lines"]),
    ];

    private static readonly Dictionary<string, string> s_placeholders = new(StringComparer.Ordinal)
    {
        ["--listen"] = "URL",
        ["--config"] = "FILE",
        ["--trusted-proxy"] = "CIDR",
        ["--metrics"] = "HOST:PORT",
        ["--web"] = "HOST:PORT",
        ["--web-history"] = "N",
        ["--web-lines"] = "N",
        ["--otlp"] = "URL",
        ["--upstream"] = "URL",
        ["--upstream-tls"] = "auto|required|none",
        ["--upstream-ca"] = "FILE",
        ["--cert-dir"] = "DIR",
        ["--cert"] = "FILE",
        ["--key"] = "FILE",
        ["--cert-password-env"] = "VAR",
        ["--inject-auth"] = "ACCOUNT",
        ["--inject-auth-password-env"] = "VAR",
        ["--client-starttls"] = "mirror|always|never",
        ["--transcripts"] = "DIR",
        ["--log-file"] = "FILE",
        ["--capture-dir"] = "DIR",
        ["--max-sessions"] = "N",
        ["--max-sessions-per-ip"] = "N",
        ["--idle-timeout"] = "SECONDS",
        ["--drain-timeout"] = "SECONDS",
        ["--min-data-rate"] = "N",
        ["--max-command-line"] = "N",
        ["--max-line-length"] = "N",
        ["--max-message-size"] = "N",
        ["--line-endings"] = "reject|fix",
    };

    /// <summary>Placeholders and value completions for the proxy options.</summary>
    public static void Apply(Command proxy)
    {
        foreach (var option in proxy.Options)
        {
            if (s_placeholders.TryGetValue(option.Name, out var placeholder))
            {
                option.HelpName = placeholder;
                if (placeholder.Contains('|', StringComparison.Ordinal) && option.ValueType == typeof(string))
                {
                    option.CompletionSources.Add(placeholder.Split('|'));
                }
            }
        }
    }

    /// <summary>Routes <c>--help</c>: grouped help for proxy, the default help for everything else.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new GroupedHelpAction(help.Action);
        }
    }

    /// <summary>The grouped help text of the proxy command.</summary>
    public static void Write(Command proxy, TextWriter output)
    {
        output.WriteLine("Description:");
        output.WriteLine("  " + proxy.Description);
        output.WriteLine();
        output.WriteLine("Usage:");
        output.WriteLine("  smtptap proxy [options]");
        var shown = new HashSet<string>(StringComparer.Ordinal);
        var options = proxy.Options.Where(o => !o.Hidden && o is not HelpOption).ToDictionary(o => o.Name, StringComparer.Ordinal);
        var width = options.Values.Max(o => Head(o).Length) + 2;
        foreach (var (title, names) in s_groups)
        {
            WriteGroup(output, title, names.Where(options.ContainsKey).Select(n => options[n]), shown, width);
        }

        WriteGroup(output, "Other", options.Values.Where(o => !shown.Contains(o.Name)), shown, width);
        output.WriteLine();
        output.WriteLine("Every option can also come from --config FILE (JSON, keys as above without dashes) or SMTPTAP_<NAME> environment variables; the command line wins.");
    }

    private static string Head(Option option) => option.Name + (option.ValueType == typeof(bool) ? string.Empty : " " + (option.HelpName ?? "VALUE"));

    private static void WriteGroup(TextWriter output, string title, IEnumerable<Option> options, HashSet<string> shown, int width)
    {
        var list = options.ToList();
        if (list.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(title + ":");
        foreach (var option in list)
        {
            shown.Add(option.Name);
            var description = option.Description ?? string.Empty;
            if (option.HasDefaultValue && option.GetDefaultValue() is { } value && value is not bool && value is not Array)
            {
                description += $" [default: {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)?.ToLowerInvariant()}]";
            }

            output.WriteLine("  " + Head(option).PadRight(width) + description);
        }
    }

    private sealed class GroupedHelpAction(CommandLineAction? fallback) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var command = parseResult.CommandResult.Command;
            if (command.Name == "proxy")
            {
                Write(command, parseResult.InvocationConfiguration.Output);
                return 0;
            }

            return fallback is SynchronousCommandLineAction sync ? sync.Invoke(parseResult) : 0;
        }
    }
}
