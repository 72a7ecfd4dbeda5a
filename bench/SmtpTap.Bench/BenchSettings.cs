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

    public bool Runs(string section) => Only is null ? section != "profile" : string.Equals(Only, section, StringComparison.OrdinalIgnoreCase);

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
                case "--transcripts":
                    settings = settings with { ProfileTranscripts = true };
                    break;
                case "--only" when i + 1 < args.Length:
                    settings = settings with { Only = args[++i] };
                    break;
                default:
                    error = $"unknown argument '{args[i]}'; usage: SmtpTap.Bench [--quick] [--only throughput|latency|sessions|stream|idle|profile [--legs plain|starttls|implicit] [--transcripts]]";
                    return false;
            }
        }

        string[] sections = ["throughput", "latency", "sessions", "stream", "idle", "profile"];
        if (settings.Only is { } only && !sections.Contains(only, StringComparer.OrdinalIgnoreCase))
        {
            error = $"--only {only}: expected one of {string.Join(", ", sections)}";
            return false;
        }

        return true;
    }
}
