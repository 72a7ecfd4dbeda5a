namespace SmtpTap.Bench;

/// <summary>What one run measures and for how long (the quick mode is a smoke check, not a measurement).</summary>
internal sealed record BenchSettings
{
    public bool Quick { get; init; }

    public string? Only { get; init; }

    public int Rounds => Quick ? 1 : 3;

    public TimeSpan LoadDuration => Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(3);

    public int LatencySamples => Quick ? 1000 : 10000;

    public TimeSpan SessionDuration => Quick ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(3);

    public long StreamSmallBytes => Quick ? 16L << 20 : 64L << 20;

    public long StreamLargeBytes => Quick ? 64L << 20 : 1L << 30;

    public int IdleSessions => Quick ? 100 : 1000;

    /// <summary>Legs for <c>--only profile</c>.</summary>
    public LegMode ProfileLegs { get; init; }

    public bool ProfileTranscripts { get; init; }

    /// <summary>Profile new sessions instead of messages.</summary>
    public bool ProfileSessions { get; init; }

    /// <summary>Port of a real Postfix on 127.0.0.1 for <c>--only pipelining</c> (the interop rig's plain port).</summary>
    public int PostfixPort { get; init; }

    /// <summary>Recipient Postfix accepts without AUTH on that port, for <c>--only pipelining</c>.</summary>
    public string PostfixRecipient { get; init; } = "postmaster@interop.test";

    /// <summary>Transactions per session in <c>--only pipelining</c>.</summary>
    public int Transactions { get; init; } = 200;

    /// <summary>Rounds of <c>--only web</c>: each round measures both proxies once (more than the other sections: the difference sought is small).</summary>
    public int WebRounds => Quick ? 1 : 6;

    /// <summary>Headless Chromium watches in <c>--only web</c> and <c>--only web-memory</c> (else only curl does).</summary>
    public bool WebBrowser { get; init; } = true;

    /// <summary>Sessions <c>--only web-memory</c> drives through the proxy (<c>--web-sessions N</c>; default 100,000, 5,000 with --quick).</summary>
    public int? WebSessions { get; init; }

    public int WebSessionCount => WebSessions ?? (Quick ? 5_000 : 100_000);

    /// <summary>The profile, pipelining and web sections run only when asked for (pipelining needs a real Postfix, web Chromium).</summary>
    public bool Runs(string section) => Only is null ? section is not ("profile" or "pipelining" or "web" or "web-memory") : string.Equals(Only, section, StringComparison.OrdinalIgnoreCase);

    public static bool TryParse(string[] args, out BenchSettings settings, out string? error)
    {
        settings = new BenchSettings();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    settings = settings with { Quick = true };
                    break;
                case "--legs" when i + 1 < args.Length:
                    settings = settings with { ProfileLegs = Enum.Parse<LegMode>(args[++i], ignoreCase: true) };
                    break;
                case "--sessions":
                    settings = settings with { ProfileSessions = true };
                    break;
                case "--transcripts":
                    settings = settings with { ProfileTranscripts = true };
                    break;
                case "--postfix-port" when i + 1 < args.Length:
                    settings = settings with { PostfixPort = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture) };
                    break;
                case "--rcpt" when i + 1 < args.Length:
                    settings = settings with { PostfixRecipient = args[++i] };
                    break;
                case "--transactions" when i + 1 < args.Length:
                    settings = settings with { Transactions = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture) };
                    break;
                case "--web-watchers" when i + 1 < args.Length && args[i + 1] is "browser" or "curl":
                    settings = settings with { WebBrowser = args[++i] == "browser" };
                    break;
                case "--web-sessions" when i + 1 < args.Length:
                    settings = settings with { WebSessions = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture) };
                    break;
                case "--only" when i + 1 < args.Length:
                    settings = settings with { Only = args[++i] };
                    break;
                default:
                    error = $"unknown argument '{args[i]}'; usage: SmtpTap.Bench [--quick] [--only throughput|latency|sessions|stream|idle|profile [--legs plain|starttls|implicit] [--transcripts] [--sessions]] [--only pipelining --postfix-port N [--rcpt ADDR] [--transactions N]] [--only web|web-memory [--web-watchers browser|curl] [--web-sessions N]]";
                    return false;
            }
        }

        string[] sections = ["throughput", "latency", "sessions", "stream", "idle", "profile", "pipelining", "web", "web-memory"];
        if (settings.Only is { } only && !sections.Contains(only, StringComparer.OrdinalIgnoreCase))
        {
            error = $"--only {only}: expected one of {string.Join(", ", sections)}";
            return false;
        }

        if (settings.Runs("pipelining") && settings.PostfixPort <= 0)
        {
            error = "--only pipelining needs --postfix-port N (a real Postfix on 127.0.0.1; bench/pipelining-vs-postfix.sh starts the interop rig)";
            return false;
        }

        return true;
    }
}
