using System.Text.Json;

namespace SmtpTap.Probe;

/// <summary>Builds and writes the --json document.</summary>
internal static class ProbeJsonFormatter
{
    public static ProbeJsonDocument ToDocument(ProbeReport report, IReadOnlyList<Finding> findings, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(findings);
        return new ProbeJsonDocument
        {
            Target = report.Target,
            ConnectedTo = report.ConnectedTo,
            Banner = report.Banner,
            CapabilitiesBeforeTls = report.CapabilitiesBeforeTls,
            CapabilitiesAfterTls = report.CapabilitiesAfterTls,
            StartTlsOffered = report.StartTlsOffered,
            Plaintext = report.PlaintextReason,
            Tls = report.Tls,
            Auth = report.Auth,
            Message = report.Message,
            Findings = findings.Select(f => new ProbeJsonFinding(ProbeTextFormatter.Label(f.Severity), f.Area, f.Text)).ToArray(),
            Transcript = report.Transcript.Select(e => new ProbeJsonTranscriptLine(e.Time, e.Label, e.Text)).ToArray(),
            Error = report.Error is { } error ? new ProbeJsonError(error.Kind.ToString(), error.Message) : null,
            ExitCode = exitCode,
        };
    }

    public static string Format(ProbeReport report, IReadOnlyList<Finding> findings, int exitCode) =>
        JsonSerializer.Serialize(ToDocument(report, findings, exitCode), ProbeJsonContext.Default.ProbeJsonDocument);
}
