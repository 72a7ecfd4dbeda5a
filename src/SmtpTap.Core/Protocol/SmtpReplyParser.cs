using System.Buffers;
using System.Text;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Protocol;

/// <summary>
/// Assembles one complete SMTP reply (RFC 5321 section 4.2): lines "NNN-text" followed by a final "NNN text"
/// or "NNN"; every line must carry the same code, first digit 2 to 5, lines end in CRLF only.
/// </summary>
internal static class SmtpReplyParser
{
    /// <summary>
    /// Tries to take one reply from the start of <paramref name="buffer"/>. On <see cref="ReplyParseStatus.Complete"/>
    /// <paramref name="raw"/> holds its exact bytes and <paramref name="buffer"/> is advanced past it.
    /// </summary>
    public static ReplyParseStatus TryParse(ref ReadOnlySequence<byte> buffer, ReplyLimits limits, out SmtpReply? reply, out ReadOnlySequence<byte> raw, out string? error)
    {
        reply = null;
        raw = default;
        error = null;
        var rest = buffer;
        var lines = new List<string>();
        var code = -1;
        Span<byte> head = stackalloc byte[4];
        while (true)
        {
            var status = SmtpLineFramer.TryReadLine(ref rest, limits.MaxLineLength, out var line);
            if (status == LineReadStatus.NeedMoreData)
            {
                return ReplyParseStatus.NeedMoreData;
            }

            if (status == LineReadStatus.TooLong)
            {
                error = $"reply line longer than {limits.MaxLineLength} octets";
                return ReplyParseStatus.Malformed;
            }

            var content = SmtpLineFramer.Content(line);
            var headLength = (int)Math.Min(4, content.Length);
            content.Slice(0, headLength).CopyTo(head);
            if (!TryReadCode(head[..headLength], out var lineCode, out var final, out error))
            {
                return ReplyParseStatus.Malformed;
            }

            if (code >= 0 && lineCode != code)
            {
                error = $"reply lines carry different codes ({code} then {lineCode})";
                return ReplyParseStatus.Malformed;
            }

            code = lineCode;
            var text = content.Length > 4 ? content.Slice(4) : default;
            if (LineAnomaly.HasBareCrLfOrNul(text))
            {
                error = "reply line contains a bare CR, LF or NUL";
                return ReplyParseStatus.Malformed;
            }

            lines.Add(Decode(text));
            if (final)
            {
                raw = buffer.Slice(0, buffer.GetOffset(rest.Start) - buffer.GetOffset(buffer.Start));
                buffer = rest;
                reply = new SmtpReply(code, lines);
                return ReplyParseStatus.Complete;
            }

            if (lines.Count >= limits.MaxLines)
            {
                error = $"multi-line reply longer than {limits.MaxLines} lines";
                return ReplyParseStatus.Malformed;
            }
        }
    }

    private static bool TryReadCode(ReadOnlySpan<byte> head, out int code, out bool final, out string? error)
    {
        code = 0;
        final = false;
        error = null;
        if (head.Length < 3 || !IsDigit(head[0]) || !IsDigit(head[1]) || !IsDigit(head[2]))
        {
            error = "reply line does not start with a three-digit code";
            return false;
        }

        code = ((head[0] - '0') * 100) + ((head[1] - '0') * 10) + (head[2] - '0');
        if (head[0] is < (byte)'2' or > (byte)'5')
        {
            error = $"reply code {code} is outside 200-599";
            return false;
        }

        if (head.Length == 3 || head[3] == (byte)' ')
        {
            final = true;
            return true;
        }

        if (head[3] == (byte)'-')
        {
            return true;
        }

        error = "reply code is not followed by a space or a hyphen";
        return false;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static string Decode(ReadOnlySequence<byte> text) => text.IsEmpty ? string.Empty : TranscriptText.Decode(text);
}
