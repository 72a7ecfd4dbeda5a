using System.Globalization;
using System.Text;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// Text from a message made safe to show: control characters, bidirectional overrides and isolates, and line separators
/// become visible \u{NNNN} (as in the transcript), so a header cannot reorder or hide what the page shows next to it.
/// </summary>
internal static class DisplayText
{
    /// <param name="multiline">Body text: LF and HTAB stay, CR is dropped (CRLF shown as a line break).</param>
    public static string Escape(string text, bool multiline = false)
    {
        StringBuilder? sb = null;
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var keep = !TranscriptText.IsUnsafe(rune) || (multiline && rune.Value is '\n' or '\t');
            if (keep && sb is null)
            {
                index += rune.Utf16SequenceLength;
                continue;
            }

            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, index);
            if (keep)
            {
                sb.Append(rune.ToString());
            }
            else if (!(multiline && rune.Value == '\r'))
            {
                sb.Append("\\u{").Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture)).Append('}');
            }
        }

        return sb?.ToString() ?? text;
    }
}
