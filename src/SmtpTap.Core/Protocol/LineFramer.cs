using System.Buffers;

namespace SmtpTap.Core.Protocol;

/// <summary>
/// Cuts client input at every LF and says whether a CR came before it, so the caller decides by policy what a
/// bare LF means (refused at once, or normalised) instead of waiting for a CRLF that an LF-only client never
/// sends. A line longer than <c>pieceSize</c> without any LF is handed out in pieces (a trailing CR is held back
/// so a CRLF split across reads is still seen), so a long line streams in bounded memory.
/// </summary>
internal static class LineFramer
{
    /// <summary>Takes the next line or piece off the front of <paramref name="buffer"/>; no value if more input is needed.</summary>
    public static FramedPiece Next(ref ReadOnlySequence<byte> buffer, long pieceSize)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: true))
        {
            var end = reader.Consumed;
            var line = buffer.Slice(0, end);
            var ending = end >= 2 && ByteAt(buffer, end - 2) == (byte)'\r' ? LineEnding.Crlf : LineEnding.BareLf;
            buffer = buffer.Slice(end);
            return new FramedPiece(line, ending);
        }

        if (buffer.Length < pieceSize)
        {
            return default;
        }

        var take = ByteAt(buffer, buffer.Length - 1) == (byte)'\r' ? buffer.Length - 1 : buffer.Length;
        if (take == 0)
        {
            return default;
        }

        var piece = buffer.Slice(0, take);
        buffer = buffer.Slice(take);
        return new FramedPiece(piece, LineEnding.None);
    }

    private static byte ByteAt(ReadOnlySequence<byte> buffer, long index) => buffer.Slice(index, 1).FirstSpan[0];
}
