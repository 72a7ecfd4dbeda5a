using System.Buffers;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The <see cref="MessageView"/> of a message sent with BDAT: the chunk bytes are framed into lines for the view only,
/// across chunk boundaries (only CRLF ends a line; a bare LF stays inside it). The bytes relayed are never touched.
/// Memory is bounded: at most <paramref name="maxLine"/> octets of a line are kept, and only while the line is shown.
/// The cap is the view's own, not a relay limit: BDAT content is binary-clean and relayed whatever its line lengths.
/// </summary>
internal sealed class BdatMessageView(SessionTranscript transcript, bool showBody, int maxLine = BdatMessageView.DefaultMaxLine)
{
    /// <summary>Octets of a line the view keeps and shows (RFC 5321's text line length); longer lines are shown cut, with their size.</summary>
    public const int DefaultMaxLine = 1000;

    private readonly MessageView _view = new(transcript, showBody, dotStuffed: false);
    private readonly byte[] _kept = new byte[maxLine];
    private int _keptLength;
    private long _lineOctets;
    private bool _endsWithCr;

    /// <summary>Relayed chunk bytes, in order.</summary>
    public void Feed(ReadOnlySequence<byte> chunk)
    {
        foreach (var segment in chunk)
        {
            Feed(segment.Span);
        }
    }

    /// <summary>At BDAT LAST: a last line without CRLF counts too, then the "Message N: …" summary.</summary>
    public void Finish(int number)
    {
        if (_lineOctets > 0)
        {
            var shown = (int)Math.Min(_keptLength, _lineOctets);
            _view.Line(new ReadOnlySequence<byte>(_kept, 0, shown), _lineOctets, cut: _view.ShowsNextLine && shown < _lineOctets);
        }

        _view.Finish(number);
    }

    private void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var lf = data.IndexOf((byte)'\n');
            if (lf < 0)
            {
                Keep(data);
                return;
            }

            var crlf = lf > 0 ? data[lf - 1] == (byte)'\r' : _endsWithCr;
            Keep(data[..(lf + 1)]);
            data = data[(lf + 1)..];
            if (crlf)
            {
                EndLine();
            }
        }
    }

    private void Keep(ReadOnlySpan<byte> part)
    {
        _lineOctets += part.Length;
        _endsWithCr = part[^1] == (byte)'\r';
        if (_view.ShowsNextLine && _keptLength < _kept.Length)
        {
            var take = Math.Min(part.Length, _kept.Length - _keptLength);
            part[..take].CopyTo(_kept.AsSpan(_keptLength));
            _keptLength += take;
        }
    }

    private void EndLine()
    {
        var contentOctets = _lineOctets - 2;
        var shown = (int)Math.Min(_keptLength, contentOctets);
        _view.Line(new ReadOnlySequence<byte>(_kept, 0, shown), _lineOctets, cut: _view.ShowsNextLine && shown < contentOctets);
        _keptLength = 0;
        _lineOctets = 0;
        _endsWithCr = false;
    }
}
