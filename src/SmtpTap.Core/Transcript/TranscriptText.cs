using System.Buffers;
using System.Globalization;
using System.Text;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// Turns wire bytes into transcript text that cannot forge or hide anything: valid UTF-8 is shown as text;
/// each byte that is not valid UTF-8 is shown as \xNN; a stray CR, LF or NUL as \r, \n, \0; other C0
/// controls (HTAB included) and DEL as \xNN; C1 controls (U+0080 to U+009F) as \u{NNNN}; bidirectional controls and the Unicode line and paragraph
/// separators as \u{NNNN}. A line on the wire is thus always one line in the transcript, and a terminal
/// never receives an escape sequence from a peer.
/// </summary>
internal static class TranscriptText
{
    public static string Decode(ReadOnlySequence<byte> bytes) => bytes.IsSingleSegment ? Decode(bytes.FirstSpan) : Decode(bytes.ToArray());

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (IsPlainAscii(bytes))
        {
            return Encoding.ASCII.GetString(bytes);
        }

        var sb = new StringBuilder(bytes.Length + 16);
        while (!bytes.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(bytes, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                AppendByte(sb, bytes[0]);
                bytes = bytes[1..];
                continue;
            }

            Append(sb, rune);
            bytes = bytes[consumed..];
        }

        return sb.ToString();
    }

    /// <summary>True for a code point the transcript shows escaped (controls, bidi overrides and isolates, line separators).</summary>
    public static bool IsUnsafe(Rune rune) => rune.Value switch
    {
        < 0x20 or 0x7f => true,
        >= 0x80 and <= 0x9f => true,
        0x061c or 0x200e or 0x200f => true,
        >= 0x202a and <= 0x202e => true,
        >= 0x2066 and <= 0x2069 => true,
        0x2028 or 0x2029 => true,
        _ => false,
    };

    private static bool IsPlainAscii(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is < 0x20 or >= 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    private static void Append(StringBuilder sb, Rune rune)
    {
        if (!IsUnsafe(rune))
        {
            sb.Append(rune.ToString());
            return;
        }

        switch (rune.Value)
        {
            case '\r': sb.Append("\\r"); break;
            case '\n': sb.Append("\\n"); break;
            case '\0': sb.Append("\\0"); break;
            case < 0x80: AppendByte(sb, (byte)rune.Value); break;
            default: sb.Append("\\u{").Append(rune.Value.ToString("X4", CultureInfo.InvariantCulture)).Append('}'); break;
        }
    }

    private static void AppendByte(StringBuilder sb, byte b) => sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
}
