using System.Reflection;
using System.Text.RegularExpressions;
using SmtpTap.Certificates;
using SmtpTap.Commands;
using SmtpTap.Configuration;

namespace SmtpTap.Bundle;

/// <summary>Reads what a support bundle needs from disk: transcript files by session id, the tap's log lines, the CA fingerprint.</summary>
internal static partial class BundleSources
{
    public static string Version =>
        typeof(BundleSources).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Transcript files of the folder by session id (the <c>-sNNNN.log</c> suffix); several runs may share an id.</summary>
    public static Dictionary<string, List<string>> SessionFiles(string directory)
    {
        var files = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(directory, "*.log").Order(StringComparer.Ordinal))
        {
            var match = TranscriptName().Match(Path.GetFileName(path));
            if (match.Success)
            {
                var id = match.Groups["session"].Value;
                if (!files.TryGetValue(id, out var list))
                {
                    files[id] = list = [];
                }

                list.Add(path);
            }
        }

        return files;
    }

    /// <summary>The transcripts of <paramref name="sessionIds"/> and the tap-log lines that mention them; a missing id is a <see cref="UserInputException"/>.</summary>
    /// <param name="process">Only the files of this run (<c>p1234</c>, as in the file names) when not null.</param>
    public static (List<BundleTranscript> Transcripts, List<string> TapLog) FromFolder(string directory, IReadOnlyList<string> sessionIds, string? process = null)
    {
        if (!Directory.Exists(directory))
        {
            throw new UserInputException($"no transcripts folder {Path.GetFullPath(directory)}");
        }

        var all = SessionFiles(directory);
        if (process is not null)
        {
            foreach (var list in all.Values)
            {
                list.RemoveAll(path => TranscriptName().Match(Path.GetFileName(path)).Groups["process"].Value != process);
            }

            foreach (var empty in all.Where(pair => pair.Value.Count == 0).Select(pair => pair.Key).ToList())
            {
                all.Remove(empty);
            }
        }

        var unknown = sessionIds.Where(id => !all.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            var known = all.Keys.Order(StringComparer.Ordinal).ToList();
            var list = known.Count == 0 ? "none" : string.Join(", ", known.Take(10)) + (known.Count > 10 ? $" (and {known.Count - 10} more)" : string.Empty);
            throw new UserInputException($"no transcript for session {string.Join(", ", unknown)} in {Path.GetFullPath(directory)} (sessions there: {list})");
        }

        var transcripts = new List<BundleTranscript>();
        var processes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in sessionIds.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            foreach (var path in all[id])
            {
                var name = Path.GetFileName(path);
                processes.Add(TranscriptName().Match(name).Groups["process"].Value);
                transcripts.Add(new BundleTranscript(name, id, ReadLines(path)));
            }
        }

        var tapLog = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*-tap.log").Order(StringComparer.Ordinal))
        {
            var match = TapLogName().Match(Path.GetFileName(path));
            if (!match.Success || !processes.Contains(match.Groups["process"].Value))
            {
                continue;
            }

            tapLog.AddRange(ReadLines(path).Where(line => sessionIds.Any(id => Regex.IsMatch(line, @"\b" + Regex.Escape(id) + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))));
        }

        return (transcripts, tapLog);
    }

    /// <summary>The CA certificate's SHA-256 fingerprint (reads only ca.crt.pem) and a note on where it is.</summary>
    public static (string? Fingerprint, string Note) CaFingerprint(string certDirectory)
    {
        var full = Path.GetFullPath(certDirectory);
        if (!File.Exists(Path.Combine(full, "ca.crt.pem")))
        {
            return (null, "no CA in " + full);
        }

        try
        {
            using var certificate = CertificateAuthority.ReadCertificate(full);
            var line = CertificateDescription.Describe(certificate).First(l => l.StartsWith("SHA-256:", StringComparison.Ordinal));
            return (line["SHA-256:".Length..].Trim(), Path.Combine(full, "ca.crt.pem"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return (null, "unreadable CA certificate in " + full + ": " + ex.Message.ReplaceLineEndings(" "));
        }
    }

    /// <summary>The cert folder named by the settings (<c>--cert-dir</c>), else the default.</summary>
    public static string CertDirectory(IReadOnlyList<EffectiveSetting> settings) =>
        settings.FirstOrDefault(s => s.Name == "cert-dir") is { Values.Count: > 0 } s ? s.Values[0] : HomePaths.DefaultCertDirectory;

    private static List<string> ReadLines(string path)
    {
        // The tap may still be writing: share the file.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    [GeneratedRegex(@"^\d{8}-\d{6}-(?<process>p\d+)-(?<session>s\d+)\.log$", RegexOptions.CultureInvariant)]
    private static partial Regex TranscriptName();

    [GeneratedRegex(@"^\d{8}-\d{6}-(?<process>p\d+)-tap\.log$", RegexOptions.CultureInvariant)]
    private static partial Regex TapLogName();
}
