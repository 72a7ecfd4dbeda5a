namespace SmtpTap.Logging;

/// <summary>Where the transcript and the tap's own log go.</summary>
internal sealed record OutputOptions
{
    /// <summary>JSON Lines on the console instead of human-readable text.</summary>
    public bool Json { get; init; }

    /// <summary>One transcript file per session in this directory.</summary>
    public string? TranscriptDirectory { get; init; }

    /// <summary>A log file with everything the console shows.</summary>
    public string? LogFile { get; init; }

    /// <summary>An OTLP/HTTP logs endpoint (e.g. http://collector:4318/v1/logs) that gets every transcript event.</summary>
    public Uri? Otlp { get; init; }
}
