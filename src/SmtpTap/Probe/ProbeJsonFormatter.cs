using System.Text.Encodings.Web;
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
        JsonSerializer.Serialize(ToDocument(report, findings, exitCode), s_context.ProbeJsonDocument);

    // Readable output: "<" and "'" in SMTP lines stay as they are (the document is not embedded in HTML).
    private static readonly ProbeJsonContext s_context = new(new JsonSerializerOptions(ProbeJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
