using System.Buffers;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The pure rules of DATA content, fed framed pieces (<see cref="LineFramer"/>) in order, no I/O: where the message
/// ends (CRLF "." CRLF at a line start, never inside a long line), what is refused (bare CR, NUL, a bare LF unless
/// the policy normalises it, a line over an enforced limit, a message over the size limit), and the message size as
/// RFC 1870 counts it (CRLF included, stuffing dots and the end of data excluded). Because the relay forwards exactly
/// what these rules framed, the tap and the server can never disagree about where a message ends.
/// </summary>
internal sealed class DataContentRules(LineEndingPolicy lineEndings, int maxLine, long maxSize)
{
    /// <summary>RFC 5321 section 4.5.3.1.6: a text line is at most 1000 octets with its CRLF.</summary>
    public const int RfcTextLine = 1000;

    private long _lineOctets;
    private bool _lineStuffed;

    /// <summary>The message size so far as RFC 1870 counts it.</summary>
    public long Octets { get; private set; }

    /// <summary>Octets received so far, as sent (for offsets in warnings).</summary>
    public long WireOffset { get; private set; }

    /// <summary>Bare LFs normalised to CRLF so far (--line-endings fix).</summary>
    public int NormalisedLineEnds { get; private set; }

    /// <summary>A line has been started but not yet completed (a long line being streamed).</summary>
    public bool MidLine { get; private set; }

    /// <summary>At least one line ended in CRLF (an LF-only client has none).</summary>
    public bool SawCrlf { get; private set; }

    public DataDecision Decide(FramedPiece piece)
    {
        var content = piece.Content;
        var startsLine = !MidLine;
        var offset = WireOffset;
        WireOffset += piece.Bytes.Length;
        var stuffed = startsLine ? !content.IsEmpty && content.FirstSpan[0] == (byte)'.' : _lineStuffed;
        if (LineAnomaly.HasBareCrLfOrNul(content))
        {
            return Refuse(ContentViolation.BareLineEnd(content.ToArray(), offset));
        }

        if (piece.Ending == LineEnding.None)
        {
            MidLine = true;
            _lineStuffed = stuffed;
            _lineOctets += content.Length;
            Octets += content.Length - (startsLine && stuffed ? 1 : 0);
            if (maxLine > 0 && _lineOctets - (stuffed ? 1 : 0) + 2 > maxLine)
            {
                return Refuse(ContentViolation.LineTooLong(maxLine, offset));
            }

            return maxSize > 0 && Octets > maxSize
                ? Refuse(ContentViolation.TooBig(maxSize))
                : new DataDecision(DataAction.Forward) { StartsLine = startsLine };
        }

        if (piece.Ending == LineEnding.BareLf && lineEndings == LineEndingPolicy.Reject)
        {
            return Refuse(ContentViolation.BareLfLineEnd(content.ToArray(), offset, lfOnlyClient: !SawCrlf));
        }

        var normalise = piece.Ending == LineEnding.BareLf;
        if (normalise)
        {
            NormalisedLineEnds++;
        }
        else
        {
            SawCrlf = true;
        }

        if (startsLine && content.Length == 1 && content.FirstSpan[0] == (byte)'.')
        {
            return new DataDecision(DataAction.EndOfData) { StartsLine = true, CompletesLine = true };
        }

        var lineOctets = _lineOctets + content.Length + 2 - (stuffed ? 1 : 0);
        MidLine = false;
        _lineOctets = 0;
        _lineStuffed = false;
        Octets += content.Length + 2 - (startsLine && stuffed ? 1 : 0);
        if (maxLine > 0 && lineOctets > maxLine)
        {
            return Refuse(ContentViolation.LineTooLong(maxLine, offset));
        }

        if (maxSize > 0 && Octets > maxSize)
        {
            return Refuse(ContentViolation.TooBig(maxSize));
        }

        return new DataDecision(normalise ? DataAction.ForwardNormalised : DataAction.Forward)
        {
            StartsLine = startsLine,
            CompletesLine = true,
            LineOctets = lineOctets,
        };
    }

    private static DataDecision Refuse(ContentViolation violation) => new(DataAction.Refuse, violation);
}
