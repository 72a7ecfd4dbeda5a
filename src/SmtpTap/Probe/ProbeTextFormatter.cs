using System.Globalization;

namespace SmtpTap.Probe;

/// <summary>The human output: transcript lines in the proxy's style, then one summary line per finding and the exit code.</summary>
internal static class ProbeTextFormatter
{
    public static string Line(ProbeTranscriptEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return string.Create(CultureInfo.InvariantCulture, $"{entry.Time.ToLocalTime():HH:mm:ss.fff} {entry.Label,-13} {entry.Text}");
    }

    public static void WriteSummary(TextWriter writer, ProbeReport report, IReadOnlyList<Finding> findings, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(findings);
        writer.WriteLine();
        writer.WriteLine("Summary for " + report.Target);
        if (report.CapabilitiesBeforeTls is { Count: > 0 } before)
        {
            writer.WriteLine("  capabilities before TLS: " + string.Join(", ", before));
        }

        if (report.CapabilitiesAfterTls is { Count: > 0 } after)
        {
            writer.WriteLine("  capabilities after TLS:  " + string.Join(", ", after));
        }

        foreach (var finding in findings)
        {
            writer.WriteLine($"  {Label(finding.Severity),-4}  {finding.Area,-11} {finding.Text}");
        }

        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Exit code {exitCode}: {Meaning(exitCode)}"));
    }

    public static string Format(ProbeReport report, IReadOnlyList<Finding> findings, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var entry in report.Transcript)
        {
            writer.WriteLine(Line(entry));
        }

        WriteSummary(writer, report, findings, exitCode);
        return writer.ToString();
    }

    public static string Label(FindingSeverity severity) => severity switch
    {
        FindingSeverity.Ok => "OK",
        FindingSeverity.Warn => "WARN",
        _ => "FAIL",
    };

    public static string Meaning(int exitCode) => exitCode switch
    {
        ProbeExitCodes.Ok => "all good",
        ProbeExitCodes.Connection => "connection failure",
        ProbeExitCodes.Tls => "TLS failure",
        ProbeExitCodes.Certificate => "certificate problem",
        ProbeExitCodes.Auth => "AUTH failure",
        ProbeExitCodes.Message => "message rejected",
        ProbeExitCodes.OpenRelay => "open relay (the relay test failed)",
        _ => "error",
    };
}
