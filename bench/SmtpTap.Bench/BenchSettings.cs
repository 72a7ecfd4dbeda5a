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

    /// <summary>The profile and pipelining sections run only when asked for (pipelining needs a real Postfix).</summary>
    public bool Runs(string section) => Only is null ? section is not ("profile" or "pipelining") : string.Equals(Only, section, StringComparison.OrdinalIgnoreCase);

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
                case "--only" when i + 1 < args.Length:
                    settings = settings with { Only = args[++i] };
                    break;
                default:
                    error = $"unknown argument '{args[i]}'; usage: SmtpTap.Bench [--quick] [--only throughput|latency|sessions|stream|idle|profile [--legs plain|starttls|implicit] [--transcripts] [--sessions]] [--only pipelining --postfix-port N [--rcpt ADDR] [--transactions N]]";
                    return false;
            }
        }

        string[] sections = ["throughput", "latency", "sessions", "stream", "idle", "profile", "pipelining"];
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
