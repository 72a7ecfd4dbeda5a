namespace SmtpTap.Web;

/// <summary>
/// The lines of one session the web store keeps in memory (--web-lines): the first <c>head</c> lines (connection, TLS,
/// EHLO, AUTH, the first messages) and a ring of the newest <c>tail</c>; the lines between are counted, not kept (the
/// transcript files keep everything). Storage grows with the session up to the cap, so a short session costs only
/// its own lines. Not thread-safe: its session's lock guards it. The store keeps <see cref="KeptLine"/> values (no
/// object per line); the tests use any line type.
/// </summary>
/// <typeparam name="T">A kept line.</typeparam>
internal sealed class KeptTimeline<T>
{
    private readonly int _headCapacity;
    private readonly int _tailCapacity;
    private readonly List<T> _head = [];
    private readonly List<T> _tail = [];
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

    public void Add(T line)
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

    /// <summary>The newest line; the timeline must not be empty.</summary>
    public T Last => _tail.Count == 0 ? _head[^1] : _tail[(_tailStart + _tail.Count - 1) % _tail.Count];

    /// <summary>The kept lines in order (their sequence numbers jump where lines were not kept), each converted.</summary>
    public TResult[] ToArray<TResult>(Func<T, TResult> convert)
    {
        var result = new TResult[Count];
        for (var i = 0; i < _head.Count; i++)
        {
            result[i] = convert(_head[i]);
        }

        var at = _head.Count;
        for (var i = 0; i < _tail.Count; i++)
        {
            result[at + i] = convert(_tail[(_tailStart + i) % _tail.Count]);
        }

        return result;
    }
}
