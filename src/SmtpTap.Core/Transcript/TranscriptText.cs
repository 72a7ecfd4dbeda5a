using System.Buffers;
using System.Text;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// Turns wire bytes into transcript text: strict UTF-8 when valid, else Latin-1; control characters and
/// a stray CR, LF or NUL are shown as visible escapes (\r, \n, \0, \xNN) so a reader sees what a lenient
/// parser would have seen.
/// </summary>
internal static class TranscriptText
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySequence<byte> bytes) => bytes.IsSingleSegment ? Decode(bytes.FirstSpan) : Decode(bytes.ToArray());

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(bytes);
        }

        return NeedsEscaping(text) ? Escape(text) : text;
    }

    private static bool NeedsEscaping(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 || c == 0x7f)
            {
                return true;
            }
        }

        return false;
    }

    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\0': sb.Append("\\0"); break;
                case '\t': sb.Append('\t'); break;
                case < ' ' or (char)0x7f: sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }
}
