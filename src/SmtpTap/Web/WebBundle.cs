using System.Globalization;
using SmtpTap.Bundle;
using SmtpTap.Commands;
using SmtpTap.Configuration;
using SmtpTap.Logging;

namespace SmtpTap.Web;

/// <summary>
/// <c>GET /api/sessions/{id}/bundle</c>: the support bundle of one session of the running tap, from its transcript file
/// under <c>--transcripts</c> (with the tap-log lines that mention it), else from the in-memory timeline.
/// </summary>
/// <param name="TranscriptDirectory">The tap's --transcripts folder, or null.</param>
/// <param name="CertDirectory">The tap's --cert-dir (only ca.crt.pem is read).</param>
internal sealed record WebBundle(string? TranscriptDirectory, string CertDirectory)
{
    /// <summary>The zip, or null if the session is neither in this run's transcript files nor in the store.</summary>
    public byte[]? Build(string id, SessionStore store, bool maskAddresses)
    {
        List<BundleTranscript>? transcripts = null;
        List<string> tapLog = [];
        string source;
        if (TranscriptDirectory is { } directory && Directory.Exists(directory))
        {
            try
            {
                (transcripts, tapLog) = BundleSources.FromFolder(directory, [id], "p" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            }
            catch (UserInputException)
            {
                transcripts = null;
            }
        }

        if (transcripts is not null)
        {
            source = "the web UI (GET /api/sessions/" + id + "/bundle) from the transcript files in " + Path.GetFullPath(TranscriptDirectory!);
        }
        else if (store.Get(id) is { } detail)
        {
            var lines = detail.Lines.Select(l => string.Create(
                CultureInfo.InvariantCulture,
                $"{l.Time:yyyy-MM-ddTHH:mm:ss.fffzzz} {detail.Session.Id,-5} {l.Direction,-10} {l.Text}")).ToList();
            transcripts = [new BundleTranscript(LoggingSetup.TranscriptFileName(id, detail.Lines.Count > 0 ? detail.Lines[0].Time : DateTimeOffset.Now), id, lines)];
            source = "the web UI (GET /api/sessions/" + id + "/bundle) from the in-memory timeline (no --transcripts; no tap log"
                + (detail.LinesNotKept > 0 ? "; " + detail.LinesNotKept.ToString(CultureInfo.InvariantCulture) + " later lines were not kept" : string.Empty) + ")";
        }
        else
        {
            return null;
        }

        var (fingerprint, note) = BundleSources.CaFingerprint(CertDirectory);
        var settings = ProxyConfiguration.Running ?? [];
        return SupportBundle.Build(new BundleInput(transcripts, BundleSources.Version, settings, fingerprint, note, tapLog,
            source + (maskAddresses ? "; maskAddresses=true" : string.Empty), DateTimeOffset.UtcNow, maskAddresses));
    }
}
