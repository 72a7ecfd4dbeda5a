namespace SmtpTap.Web;

/// <summary>
/// What a subscriber of the store hears: a session's new summary, a new line of it, or its removal from history.
/// A list row made with <see cref="Row"/> carries no summary yet: it is built when first read (on the stream's task,
/// under the session's lock), so it shows the session as it is then, and a busy session's many changes between two
/// writes of a stream cost one summary instead of one per change.
/// </summary>
internal sealed class StoreUpdate
{
    private readonly StoredSession? _source;
    private SessionSummary? _session;

    public StoreUpdate(StoreUpdateKind kind, SessionSummary? session, string sessionId, TimelineLine? line)
    {
        Kind = kind;
        _session = session;
        SessionId = sessionId;
        Line = line;
    }

    private StoreUpdate(StoredSession source)
    {
        Kind = StoreUpdateKind.Session;
        SessionId = source.Id;
        _source = source;
    }

    public StoreUpdateKind Kind { get; }

    public string SessionId { get; }

    public TimelineLine? Line { get; }

    /// <summary>True for a row whose summary is built when read (<see cref="Row"/>).</summary>
    public bool IsDeferredRow => _source is not null;

    /// <summary>The row's summary (null for a line or a removal); a deferred row builds it on first read.</summary>
    public SessionSummary? Session
    {
        get
        {
            if (_session is null && _source is not null)
            {
                lock (_source)
                {
                    _session = _source.Summary();
                }
            }

            return _session;
        }
    }

    /// <summary>A "this session's row changed" signal whose summary is built when read.</summary>
    public static StoreUpdate Row(StoredSession session) => new(session);
}
