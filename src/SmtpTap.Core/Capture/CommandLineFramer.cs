using System.Buffers;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>
/// Strict, bounded CRLF framing of command lines: only CRLF ends a line, bare CR/LF/NUL inside a line are reported,
/// and an over-long line is dropped as it arrives (memory stays bounded) and reported once its CRLF shows up.
/// </summary>
internal sealed class CommandLineFramer
{
    public const int MaxCommandLength = 2048;
    public const int MaxAuthLineLength = 12288;

    private static readonly SearchValues<byte> s_forbidden = SearchValues.Create("\r\n\0"u8);

    private bool _discarding;

    /// <summary>
    /// Tries to take one line off the front of <paramref name="buffer"/> (which is advanced past what was consumed).
    /// <paramref name="inAuthExchange"/> selects the longer AUTH limit; so does an AUTH command line (its verb read as
    /// <see cref="SmtpCommandLine"/> reads it: after any leading SP/HTAB, any case, followed by SP or HTAB).
    /// </summary>
    public CommandLineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, bool inAuthExchange, out ReadOnlySequence<byte> line)
    {
        line = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (_discarding || buffer.Length > LimitFor(buffer, inAuthExchange))
            {
                // Drop what we have, but keep a trailing CR so a CRLF split across reads is still seen.
                _discarding = true;
                var keep = buffer.Length > 0 && EndsWithCr(buffer) ? 1 : 0;
                buffer = buffer.Slice(buffer.Length - keep);
            }

            return CommandLineStatus.NeedMore;
        }

        buffer = buffer.Slice(reader.Position);
        if (_discarding)
        {
            _discarding = false;
            return CommandLineStatus.TooLong;
        }

        if (line.Length > LimitFor(line, inAuthExchange))
        {
            return CommandLineStatus.TooLong;
        }

        return ContainsForbidden(line) ? CommandLineStatus.BareLineEnding : CommandLineStatus.Line;
    }

    private static int LimitFor(ReadOnlySequence<byte> start, bool inAuthExchange)
    {
        if (inAuthExchange)
        {
            return MaxAuthLineLength;
        }

        var reader = new SequenceReader<byte>(start);
        reader.AdvancePastAny((byte)' ', (byte)'\t');
        Span<byte> prefix = stackalloc byte[5];
        if (!reader.TryCopyTo(prefix))
        {
            return MaxCommandLength;
        }

        return SmtpCommandLine.GetVerb(prefix) == SmtpVerb.Auth && SmtpCommandLine.HasSeparatorAfterVerb(prefix) ? MaxAuthLineLength : MaxCommandLength;
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> buffer)
    {
        Span<byte> last = stackalloc byte[1];
        buffer.Slice(buffer.Length - 1).CopyTo(last);
        return last[0] == (byte)'\r';
    }

    private static bool ContainsForbidden(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            if (segment.Span.ContainsAny(s_forbidden))
            {
                return true;
            }
        }

        return false;
    }
}
