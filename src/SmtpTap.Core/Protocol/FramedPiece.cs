using System.Buffers;

namespace SmtpTap.Core.Protocol;

/// <summary>
/// One piece of client input cut by <see cref="LineFramer"/>: a whole line (with its terminator), or a piece of a
/// line too long to hold, or nothing yet. <see cref="Bytes"/> are the bytes as received.
/// </summary>
internal readonly struct FramedPiece
{
    public FramedPiece(ReadOnlySequence<byte> bytes, LineEnding ending)
    {
        Bytes = bytes;
        Ending = ending;
    }

    public ReadOnlySequence<byte> Bytes { get; }

    public LineEnding Ending { get; }

    /// <summary>False when nothing could be cut (more input is needed).</summary>
    public bool HasValue => !Bytes.IsEmpty;

    /// <summary>Length of the terminator (2 for CRLF, 1 for a bare LF, 0 for a piece).</summary>
    public int TerminatorLength => Ending switch
    {
        LineEnding.Crlf => 2,
        LineEnding.BareLf => 1,
        _ => 0,
    };

    /// <summary>The line's content without its terminator.</summary>
    public ReadOnlySequence<byte> Content => Bytes.Slice(0, Bytes.Length - TerminatorLength);
}
