using System.Buffers;

namespace SmtpTap.Core.Protocol;

/// <summary>
/// Strict SMTP line framing: the only terminator is CRLF (RFC 5321 section 2.3.8). A bare CR or LF is
/// part of the line and is reported by <see cref="LineAnomaly"/>, never treated as an end of line.
/// </summary>
internal static class SmtpLineFramer
{
    /// <summary>
    /// Looks for the first CRLF in <paramref name="buffer"/>. On success <paramref name="line"/> is the
    /// line including its CRLF and <paramref name="buffer"/> is advanced past it.
    /// </summary>
    /// <param name="maxLength">Maximum line length including CRLF.</param>
    public static LineReadStatus TryReadLine(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: true))
        {
            var end = reader.Consumed;
            if (end > maxLength)
            {
                line = default;
                return LineReadStatus.TooLong;
            }

            if (end >= 2 && PrecededByCr(buffer, end))
            {
                line = buffer.Slice(0, end);
                buffer = buffer.Slice(end);
                return LineReadStatus.Complete;
            }
        }

        line = default;
        return buffer.Length >= maxLength ? LineReadStatus.TooLong : LineReadStatus.NeedMoreData;
    }

    private static bool PrecededByCr(ReadOnlySequence<byte> buffer, long lfIndexPlusOne)
    {
        var crPosition = buffer.GetPosition(lfIndexPlusOne - 2);
        var slice = buffer.Slice(crPosition, 1);
        return slice.FirstSpan[0] == (byte)'\r';
    }

    /// <summary>Content of a line without its CRLF (line must end with CRLF).</summary>
    public static ReadOnlySequence<byte> Content(ReadOnlySequence<byte> lineWithCrlf) => lineWithCrlf.Slice(0, lineWithCrlf.Length - 2);
}
