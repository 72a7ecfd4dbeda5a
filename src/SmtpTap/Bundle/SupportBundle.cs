using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SmtpTap.Configuration;

namespace SmtpTap.Bundle;

/// <summary>One session's transcript as written by the file sink: its file name and its lines ("TIME SESSION DIRECTION TEXT").</summary>
internal sealed record BundleTranscript(string FileName, string SessionId, IReadOnlyList<string> Lines);

/// <summary>Everything a support bundle holds; every text in it is already masked by the transcript layer.</summary>
internal sealed record BundleInput(
    IReadOnlyList<BundleTranscript> Transcripts,
    string Version,
    IReadOnlyList<EffectiveSetting> Settings,
    string? CaFingerprint,
    string CaNote,
    IReadOnlyList<string> TapLogLines,
    string MadeBy,
    DateTimeOffset Created,
    bool MaskAddresses);

/// <summary>
/// The support bundle of issue 14 (a .zip): <c>transcripts/&lt;file&gt;</c>, <c>transcripts.jsonl</c> (time, session,
/// direction, text per line), <c>smtptap.txt</c> (version, effective settings with sources, CA fingerprint, the SHA-256 of each
/// session's TLS leg certificates, how it was made) and <c>tap-log.txt</c> (the tap's own log lines that mention the sessions). With
/// <see cref="BundleInput.MaskAddresses"/> every text part goes through one <see cref="AddressPseudonyms"/>, so the same
/// address or host has the same pseudonym in every entry. Pure: no file or network access.
/// </summary>
internal static class SupportBundle
{
    public const string TranscriptsFolder = "transcripts/";
    public const string JsonLinesEntry = "transcripts.jsonl";
    public const string InfoEntry = "smtptap.txt";
    public const string TapLogEntry = "tap-log.txt";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static byte[] Build(BundleInput input)
    {
        using var memory = new MemoryStream();
        Write(input, memory);
        return memory.ToArray();
    }

    public static void Write(BundleInput input, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pseudonyms = input.MaskAddresses ? new AddressPseudonyms() : null;
        if (pseudonyms is not null)
        {
            // Learn the single-label names (EHLO arguments, greeting names) first, so they are masked wherever they appear.
            foreach (var line in input.Transcripts.SelectMany(t => t.Lines).Concat(input.TapLogLines))
            {
                pseudonyms.Learn(TranscriptLine.TryParse(line, out var parsed) ? parsed.Text : line);
            }
        }

        string Mask(string text) => pseudonyms is null ? text : pseudonyms.Mask(text);

        // A transcript line: only its text is masked (the reply code at its start stays recognisable).
        string MaskLine(string raw) => pseudonyms is null ? raw
            : TranscriptLine.TryParse(raw, out var parsed) ? raw[..(raw.Length - parsed.Text.Length)] + pseudonyms.Mask(parsed.Text)
            : pseudonyms.Mask(raw);

        using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        var jsonl = new StringBuilder();
        foreach (var transcript in input.Transcripts)
        {
            var file = new StringBuilder();
            foreach (var raw in transcript.Lines)
            {
                file.Append(MaskLine(raw)).Append('\n');
            }

            jsonl.Append(JsonLines(transcript, Mask));
            Add(zip, TranscriptsFolder + Path.GetFileName(transcript.FileName), file.ToString(), input.Created);
        }

        Add(zip, JsonLinesEntry, jsonl.ToString(), input.Created);
        Add(zip, InfoEntry, Info(input, Mask), input.Created);
        Add(zip, TapLogEntry, string.Concat(input.TapLogLines.Select(l => MaskLine(l) + "\n")), input.Created);
    }

    /// <summary>A transcript as JSON Lines: one {"time","session","direction","text"} object per line, texts through <paramref name="mask"/>.</summary>
    public static string JsonLines(BundleTranscript transcript, Func<string, string> mask)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(mask);
        var jsonl = new StringBuilder();
        foreach (var raw in transcript.Lines)
        {
            if (TranscriptLine.TryParse(raw, out var line))
            {
                jsonl.Append(JsonLine(line.Time, line.Session, line.Direction, mask(line.Text))).Append('\n');
            }
            else if (raw.Length > 0)
            {
                // A continuation (e.g. a multi-line message): kept as text of the same session.
                jsonl.Append(JsonLine(string.Empty, transcript.SessionId, string.Empty, mask(raw))).Append('\n');
            }
        }

        return jsonl.ToString();
    }

    private static string Info(BundleInput input, Func<string, string> mask)
    {
        var text = new StringBuilder();
        text.Append("SmtpTap support bundle\n");
        text.Append("Version: ").Append(input.Version).Append('\n');
        text.Append("Created: ").Append(input.Created.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append('\n');
        text.Append("Made by: ").Append(input.MadeBy).Append('\n');
        text.Append("Sessions: ").Append(string.Join(", ", input.Transcripts.Select(t => t.SessionId))).Append('\n');
        text.Append("Addresses and host names masked: ").Append(input.MaskAddresses ? "yes (stable pseudonyms within this bundle)" : "no").Append('\n');
        text.Append("CA certificate SHA-256: ").Append(input.CaFingerprint ?? "(none)").Append(" (").Append(input.CaNote).Append(")\n");
        var certificates = BundleCertificates.Find(input.Transcripts);
        text.Append("TLS certificates in these sessions (SHA-256 per leg; client = presented by the tap, upstream = the server's):");
        text.Append(certificates.Count == 0 ? " none (plain sessions, or transcripts written before SmtpTap recorded them)\n" : "\n");
        foreach (var c in certificates)
        {
            text.Append("  ").Append(c.SessionId).Append(' ').Append(c.Leg).Append(" leg: SHA-256 ").Append(c.Sha256)
                .Append("; subject ").Append(mask(c.Subject)).Append("; issuer ").Append(mask(c.Issuer))
                .Append("; valid ").Append(c.NotBefore).Append(" to ").Append(c.NotAfter).Append("; ").Append(c.Trust).Append('\n');
        }

        text.Append('\n').Append("Effective settings (no secrets: passwords are named by --*-env options, never given as values):\n");
        var width = input.Settings.Count == 0 ? 0 : input.Settings.Max(s => s.Name.Length);
        foreach (var setting in input.Settings)
        {
            var value = setting.Values.Count == 0 ? "(none)" : string.Join(", ", setting.Values);
            text.Append(setting.Name.PadRight(width)).Append("  ").Append(mask(value)).Append("  [").Append(Source(setting.Source)).Append("]\n");
        }

        return text.ToString();
    }

    internal static string Source(SettingSource source) => source switch
    {
        SettingSource.CommandLine => "command line",
        SettingSource.Environment => "environment",
        SettingSource.File => "file",
        _ => "default",
    };

    private static string JsonLine(string time, string session, string direction, string text)
    {
        using var buffer = new MemoryStream();
        // Readable JSON Lines (a file, never HTML): '>' and '+' stay as they are; control characters are still escaped.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", time);
            json.WriteString("session", session);
            json.WriteString("direction", direction);
            json.WriteString("text", text);
            json.WriteEndObject();
        }

        return s_utf8.GetString(buffer.ToArray());
    }

    private static void Add(ZipArchive zip, string name, string content, DateTimeOffset created)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = created;
        using var stream = entry.Open();
        var bytes = s_utf8.GetBytes(content);
        stream.Write(bytes);
    }
}

/// <summary>A transcript file line: "TIME SESSION DIRECTION TEXT" (session padded to 5, direction to 10).</summary>
internal readonly record struct TranscriptLine(string Time, string Session, string Direction, string Text)
{
    private const int SessionWidth = 5;
    private const int DirectionWidth = 10;

    public static bool TryParse(string line, out TranscriptLine parsed)
    {
        parsed = default;
        var firstSpace = line.IndexOf(' ', StringComparison.Ordinal);
        if (firstSpace < 10 || !DateTimeOffset.TryParse(line[..firstSpace], CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return false;
        }

        var position = firstSpace + 1;
        if (!Field(line, ref position, SessionWidth, out var session) || !Field(line, ref position, DirectionWidth, out var direction))
        {
            return false;
        }

        parsed = new TranscriptLine(line[..firstSpace], session, direction, line[position..]);
        return true;
    }

    /// <summary>Reads a token padded to <paramref name="width"/> and the one space after it.</summary>
    private static bool Field(string line, ref int position, int width, out string value)
    {
        value = string.Empty;
        var start = position;
        var end = line.IndexOf(' ', start);
        if (end < 0)
        {
            end = line.Length;
        }

        value = line[start..end];
        var padded = Math.Min(Math.Max(end, start + width), line.Length);
        if (line.AsSpan(end, padded - end).Trim(' ').Length != 0)
        {
            return false;
        }

        position = Math.Min(padded + 1, line.Length);
        return value.Length > 0;
    }
}
