using System.Globalization;
using System.Text;

namespace SmtpTap.Core.Auth;

/// <summary>
/// Turns allow-listed, non-secret fields into short, printable transcript text. Control characters and
/// invalid UTF-8 are escaped, and every field is capped, so a field can neither forge transcript lines
/// nor grow the transcript without bound.
/// </summary>
internal static class SaslText
{
    /// <summary>Longest field shown, in characters, before it is cut with "…".</summary>
    public const int MaxFieldChars = 256;

    /// <summary>Longest raw (non-secret) challenge echoed, in characters.</summary>
    public const int MaxEchoChars = 512;

    /// <summary>UTF-8 field for display (invalid sequences shown as \xNN).</summary>
    public static string Field(ReadOnlySpan<byte> utf8, int maxChars = MaxFieldChars)
    {
        var sb = new StringBuilder(Math.Min(utf8.Length, maxChars) + 8);
        var i = 0;
        while (i < utf8.Length)
        {
            if (sb.Length >= maxChars)
            {
                sb.Append('…');
                break;
            }

            if (Rune.DecodeFromUtf8(utf8[i..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                AppendHex(sb, utf8[i]);
                i++;
                continue;
            }

            AppendRune(sb, rune);
            i += consumed;
        }

        return sb.ToString();
    }

    /// <summary>Field from a string (already decoded, e.g. UTF-16LE from NTLM).</summary>
    public static string Field(string text, int maxChars = MaxFieldChars)
    {
        var sb = new StringBuilder(Math.Min(text.Length, maxChars) + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            if (sb.Length >= maxChars)
            {
                sb.Append('…');
                break;
            }

            AppendRune(sb, rune);
        }

        return sb.ToString();
    }

    /// <summary>An identity field (user, authzid, domain, host): shown unless user names are masked.</summary>
    public static string Identity(ReadOnlySpan<byte> utf8, SaslMaskOptions options) =>
        options.MaskUsernames ? SaslMask.Placeholder : Field(utf8);

    /// <inheritdoc cref="Identity(ReadOnlySpan{byte}, SaslMaskOptions)"/>
    public static string Identity(string text, SaslMaskOptions options) =>
        options.MaskUsernames ? SaslMask.Placeholder : Field(text);

    /// <summary>
    /// Echo of a raw challenge or response that holds no secret and has been validated as base64
    /// (so it is plain ASCII), capped at <see cref="MaxEchoChars"/>.
    /// </summary>
    public static string Echo(ReadOnlySpan<byte> base64)
    {
        var length = Math.Min(base64.Length, MaxEchoChars);
        var text = Encoding.ASCII.GetString(base64[..length]);
        return base64.Length > length ? text + "…" : text;
    }

    /// <summary>
    /// Plain (non-base64) server text, with every word that looks like base64 of 8+ characters masked,
    /// in case a server echoes what the client sent.
    /// </summary>
    public static string Scrubbed(ReadOnlySpan<byte> text)
    {
        // Words are separated by SP or HTAB, so a base64 payload quoted after a TAB is masked like one after a space.
        var words = text.ToArray();
        words.AsSpan().Replace((byte)'\t', (byte)' ');
        text = words;
        var sb = new StringBuilder();
        var first = true;
        foreach (var range in text.Split((byte)' '))
        {
            if (sb.Length >= MaxEchoChars)
            {
                sb.Append('…');
                break;
            }

            if (!first)
            {
                sb.Append(' ');
            }

            first = false;
            var word = text[range];
            sb.Append(word.Length >= 8 && LooksLikeBase64(word) ? SaslMask.Placeholder : Field(word, MaxEchoChars));
        }

        return sb.ToString();
    }

    /// <summary>Printable ASCII as is, anything else as \xNN (NTLM OEM strings).</summary>
    public static string Ascii(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(Math.Min(bytes.Length, MaxFieldChars) + 8);
        foreach (var b in bytes)
        {
            if (sb.Length >= MaxFieldChars)
            {
                sb.Append('…');
                break;
            }

            if (b is >= 0x20 and < 0x7F && b != (byte)'\\')
            {
                sb.Append((char)b);
            }
            else
            {
                AppendHex(sb, b);
            }
        }

        return sb.ToString();
    }

    /// <summary>True if <paramref name="text"/> equals the ASCII string <paramref name="ascii"/>.</summary>
    public static bool Is(ReadOnlySpan<byte> text, string ascii)
    {
        if (text.Length != ascii.Length)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != ascii[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ASCII case-insensitive comparison for protocol keys.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> text, string ascii)
    {
        if (text.Length != ascii.Length)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.ToLowerInvariant((char)text[i]) != char.ToLowerInvariant(ascii[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Base64 alphabet only, and something ordinary words lack: a digit, "+", "/", "=" or an upper-case
    /// letter after the first character.
    /// </summary>
    private static bool LooksLikeBase64(ReadOnlySpan<byte> word)
    {
        var unusual = false;
        for (var i = 0; i < word.Length; i++)
        {
            var c = (char)word[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '-' or '_'))
            {
                return false;
            }

            unusual |= char.IsAsciiDigit(c) || c is '+' or '/' or '=' || (i > 0 && char.IsAsciiLetterUpper(c));
        }

        return unusual;
    }

    private static void AppendRune(StringBuilder sb, Rune rune)
    {
        var category = Rune.GetUnicodeCategory(rune);
        if (rune.Value == '\\')
        {
            sb.Append("\\\\");
        }
        else if (rune.IsAscii && (rune.Value < 0x20 || rune.Value == 0x7F))
        {
            AppendHex(sb, (byte)rune.Value);
        }
        else if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                 or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                 or UnicodeCategory.OtherNotAssigned)
        {
            sb.Append("\\u{").Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture)).Append('}');
        }
        else
        {
            sb.Append(rune.ToString());
        }
    }

    private static void AppendHex(StringBuilder sb, byte b) =>
        sb.Append("\\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
}
