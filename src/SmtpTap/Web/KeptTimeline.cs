namespace SmtpTap.Web;

/// <summary>
/// The lines of one session the web store keeps in memory (--web-lines): the first <c>head</c> lines (connection, TLS,
/// EHLO, AUTH, the first messages) and a ring of the newest <c>tail</c>; the lines between are counted, not kept (the
/// transcript files keep everything). Storage grows with the session up to the cap, so a short session costs only
/// its own lines. Not thread-safe: its session's lock guards it.
/// </summary>
internal sealed class KeptTimeline
{
    private readonly int _headCapacity;
    private readonly int _tailCapacity;
    private readonly List<TimelineLine> _head = [];
    private readonly List<TimelineLine> _tail = [];
    private int _tailStart;

    /// <param name="maxLines">Lines kept in all (at least 1): the first half (rounded up) from the start, the rest the newest.</param>
    public KeptTimeline(int maxLines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        _headCapacity = (maxLines + 1) / 2;
        _tailCapacity = maxLines - _headCapacity;
    }

    /// <summary>Lines heard but not kept (between the head and the newest lines).</summary>
    public int NotKept { get; private set; }

    public int Count => _head.Count + _tail.Count;

    public void Add(TimelineLine line)
    {
        if (_head.Count < _headCapacity)
        {
            _head.Add(line);
        }
        else if (_tailCapacity == 0)
        {
            NotKept++;
        }
        else if (_tail.Count < _tailCapacity)
        {
            _tail.Add(line);
        }
        else
        {
            _tail[_tailStart] = line;
            _tailStart = (_tailStart + 1) % _tailCapacity;
            NotKept++;
        }
    }

    /// <summary>The kept lines in order (their <see cref="TimelineLine.Seq"/> jumps where lines were not kept).</summary>
    public TimelineLine[] ToArray()
    {
        var result = new TimelineLine[Count];
        _head.CopyTo(result);
        var at = _head.Count;
        for (var i = 0; i < _tail.Count; i++)
        {
            result[at + i] = _tail[(_tailStart + i) % _tail.Count];
        }

        return result;
    }
}
