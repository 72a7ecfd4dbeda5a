using System.Globalization;
using SmtpTap.Bundle;
using SmtpTap.Commands;
using SmtpTap.Configuration;
using SmtpTap.Logging;

namespace SmtpTap.Web;

/// <summary>
/// <c>GET /api/sessions/{id}/bundle</c> and the transcript downloads (<c>transcript.txt</c>, <c>transcript.jsonl</c>) of one
/// session of the running tap: from its transcript file under <c>--transcripts</c> (with the tap-log lines that mention it),
/// else from the in-memory timeline written in the transcript file's format.
/// </summary>
/// <param name="TranscriptDirectory">The tap's --transcripts folder, or null.</param>
/// <param name="CertDirectory">The tap's --cert-dir (only ca.crt.pem is read).</param>
internal sealed record WebBundle(string? TranscriptDirectory, string CertDirectory)
{
    /// <summary>The zip, or null if the session is neither in this run's transcript files nor in the store.</summary>
    public byte[]? Build(string id, SessionStore store, bool maskAddresses)
    {
        if (Transcripts(id, store, "bundle") is not { } found)
        {
            return null;
        }

        var (fingerprint, note) = BundleSources.CaFingerprint(CertDirectory);
        var settings = ProxyConfiguration.Running ?? [];
        return SupportBundle.Build(new BundleInput(found.Transcripts, BundleSources.Version, settings, fingerprint, note, found.TapLog,
            found.Source + (maskAddresses ? "; maskAddresses=true" : string.Empty), DateTimeOffset.UtcNow, maskAddresses));
    }

    /// <summary>The session's transcript as the file sink writes it (one "TIME SESSION DIRECTION TEXT" line each), or null if unknown.</summary>
    public string? Text(string id, SessionStore store) =>
        Transcripts(id, store, "transcript.txt") is { } found
            ? string.Concat(found.Transcripts.SelectMany(t => t.Lines).Select(l => l + "\n"))
            : null;

    /// <summary>The session's transcript as JSON Lines (time, session, direction, text: as in a bundle's transcripts.jsonl), or null if unknown.</summary>
    public string? JsonLines(string id, SessionStore store) =>
        Transcripts(id, store, "transcript.jsonl") is { } found
            ? string.Concat(found.Transcripts.Select(t => SupportBundle.JsonLines(t, static text => text)))
            : null;

    private (List<BundleTranscript> Transcripts, List<string> TapLog, string Source)? Transcripts(string id, SessionStore store, string what)
    {
        if (TranscriptDirectory is { } directory && Directory.Exists(directory))
        {
            try
            {
                var (transcripts, tapLog) = BundleSources.FromFolder(directory, [id], "p" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
                return (transcripts, tapLog, "the web UI (GET /api/sessions/" + id + "/" + what + ") from the transcript files in " + Path.GetFullPath(directory));
            }
            catch (UserInputException)
            {
                // Not in this run's files (e.g. written elsewhere): the in-memory timeline below.
            }
        }

        if (store.Get(id) is not { } detail)
        {
            return null;
        }

        var lines = new List<string>(detail.Lines.Count + 1);
        var previous = 0L;
        foreach (var l in detail.Lines)
        {
            if (l.Seq > previous + 1 && previous > 0)
            {
                // --web-lines keeps a session's first and newest lines: say where the others were.
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"[... {l.Seq - previous - 1} lines not kept in memory ...]"));
            }

            previous = l.Seq;
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{l.Time:yyyy-MM-ddTHH:mm:ss.fffzzz} {detail.Session.Id,-5} {l.Direction,-10} {(l.Warning && !l.Text.StartsWith("WARNING:", StringComparison.Ordinal) ? "WARNING: " : string.Empty)}{l.Text}"));
        }

        var fileName = LoggingSetup.TranscriptFileName(id, detail.Lines.Count > 0 ? detail.Lines[0].Time : DateTimeOffset.Now);
        var source = "the web UI (GET /api/sessions/" + id + "/" + what + ") from the in-memory timeline (no --transcripts; no tap log"
            + (detail.LinesNotKept > 0 ? "; " + detail.LinesNotKept.ToString(CultureInfo.InvariantCulture) + " lines between the first and the newest were not kept" : string.Empty) + ")";
        return ([new BundleTranscript(fileName, id, lines)], [], source);
    }
}
