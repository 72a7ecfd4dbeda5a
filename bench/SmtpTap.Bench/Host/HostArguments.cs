namespace SmtpTap.Bench.Host;

/// <summary>How the parent asks a child process to run a tap (or the byte-copy baseline) in front of the sink.</summary>
internal sealed record HostArguments
{
    /// <summary>"tap" or "copy".</summary>
    public required string Kind { get; init; }

    public required int UpstreamPort { get; init; }

    public LegMode Client { get; init; }

    public LegMode Upstream { get; init; }

    public string? CertDirectory { get; init; }

    /// <summary>Transcript folder (one file per session), or null for no transcript sink at all.</summary>
    public string? Transcripts { get; init; }

    public IEnumerable<string> ToArgs()
    {
        yield return "host";
        yield return Kind;
        yield return UpstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return Client.ToString();
        yield return Upstream.ToString();
        yield return CertDirectory ?? "-";
        yield return Transcripts ?? "-";
    }

    public static HostArguments Parse(string[] args) => new()
    {
        Kind = args[1],
        UpstreamPort = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
        Client = Enum.Parse<LegMode>(args[3]),
        Upstream = Enum.Parse<LegMode>(args[4]),
        CertDirectory = args[5] == "-" ? null : args[5],
        Transcripts = args[6] == "-" ? null : args[6],
    };
}
