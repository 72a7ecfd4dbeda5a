using System.Text.RegularExpressions;

namespace SmtpTap.Bundle;

/// <summary>One "Certificate of the client|upstream leg: …" event of a transcript, as the bundle's manifest lists it.</summary>
internal sealed record BundleCertificate(string SessionId, string Leg, string Subject, string Issuer, string NotBefore, string NotAfter, string Sha256, string Trust);

/// <summary>
/// Finds the certificate of each TLS leg in transcript files: the tap writes one "Certificate of the … leg" event per
/// handshake (see <c>SessionTranscript.Certificate</c>), so a bundle made from files alone (<c>smtptap bundle</c>) can
/// list every fingerprint in its manifest.
/// </summary>
internal static partial class BundleCertificates
{
    public static IReadOnlyList<BundleCertificate> Find(IEnumerable<BundleTranscript> transcripts)
    {
        ArgumentNullException.ThrowIfNull(transcripts);
        var found = new List<BundleCertificate>();
        foreach (var transcript in transcripts)
        {
            foreach (var raw in transcript.Lines)
            {
                if (TranscriptLine.TryParse(raw, out var line) && line.Direction == "tap" && Event().Match(line.Text) is { Success: true } m)
                {
                    found.Add(new BundleCertificate(
                        line.Session, m.Groups["leg"].Value, m.Groups["subject"].Value, m.Groups["issuer"].Value,
                        m.Groups["from"].Value, m.Groups["to"].Value, m.Groups["sha"].Value, m.Groups["trust"].Value));
                }
            }
        }

        return found;
    }

    [GeneratedRegex(
        @"^Certificate of the (?<leg>client|upstream) leg: subject (?<subject>.*?), issuer (?<issuer>.*?), valid (?<from>\d{4}-\d\d-\d\d [^,]*?) to (?<to>\d{4}-\d\d-\d\d .*?), SHA-256 (?<sha>[0-9A-F]{2}(?::[0-9A-F]{2}){31}); (?<trust>trusted|not-trusted|not-checked): ",
        RegexOptions.CultureInvariant)]
    private static partial Regex Event();
}
