using System.Collections.Concurrent;
using System.Threading.Channels;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// The web UI's in-memory history: a transcript observer that keeps the last <c>capacity</c> sessions
/// (--web-history; the oldest is dropped when a new one starts) with their timelines, and tells subscribers
/// (the server-sent event streams) about each change. It only ever sees masked transcript records.
/// </summary>
internal sealed class SessionStore : ITranscriptObserver, IRelayedMessageObserver
{
    /// <summary>Lines kept per session (--web-lines): the first half and the newest half; the lines between are counted, not kept (the transcript files keep everything).</summary>
    public const int DefaultMaxLinesPerSession = 200;

    private const int SubscriberQueue = 1024;

    // Lock order: _gate (the history's order, creation and eviction, the subscriber list), then one session's own lock
    // (its timeline and facts). A record takes only its session's lock (and _gate once, when it starts the session),
    // so fifty busy sessions do not queue behind each other; subscribers are read as an immutable array.
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, StoredSession> _sessions = new(StringComparer.Ordinal);
    private readonly LinkedList<StoredSession> _order = new();
    private readonly int _maxLines;
    private Subscription[] _subscribers = [];

    public SessionStore(int capacity, int maxLinesPerSession = DefaultMaxLinesPerSession)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLinesPerSession, 1);
        Capacity = capacity;
        _maxLines = maxLinesPerSession;
    }

    public int Capacity { get; }

    public int Count => _sessions.Count;

    public void OnRecord(TranscriptRecord record)
    {
        if (_sessions.TryGetValue(record.SessionId, out var session))
        {
            lock (session)
            {
                Add(session, record, created: false);
            }

            return;
        }

        lock (_gate)
        {
            if (!_sessions.TryGetValue(record.SessionId, out session))
            {
                session = new StoredSession(record.SessionId, record.Timestamp, _maxLines);
                lock (session)
                {
                    _sessions[session.Id] = session;
                    _order.AddLast(session);
                    while (_sessions.Count > Capacity)
                    {
                        var oldest = _order.First!.Value;
                        _order.RemoveFirst();
                        _sessions.TryRemove(oldest.Id, out _);
                        Notify(new StoreUpdate(StoreUpdateKind.Removed, null, oldest.Id, null));
                    }

                    Add(session, record, created: true);
                    return;
                }
            }
        }

        lock (session)
        {
            Add(session, record, created: false);
        }
    }

    /// <summary>A message's size, verdict and refused recipients join its session's row (if the session is still in the history).</summary>
    public void OnMessage(RelayedMessage message)
    {
        if (!_sessions.TryGetValue(message.SessionId, out var session))
        {
            return;
        }

        lock (session)
        {
            session.AddMessage(message);
            Notify(session.RowChanged);
        }
    }

    /// <summary>
    /// Under the session's lock: the record into its timeline, then the updates to whoever listens, each built only if
    /// someone hears it (the list hears row changes, a session's stream its rows and lines).
    /// </summary>
    private void Add(StoredSession session, TranscriptRecord record, bool created)
    {
        var changed = session.Add(record, out var line) || created;
        StoreUpdate? next = null;
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            if (subscriber.SessionId is null || subscriber.SessionId == session.Id)
            {
                if (changed)
                {
                    subscriber.Offer(session.RowChanged);
                }

                if (subscriber.SessionId is not null)
                {
                    subscriber.Offer(next ??= new StoreUpdate(StoreUpdateKind.Line, null, session.Id, line));
                }
            }
        }
    }

    /// <summary>Sessions newest first, filtered by text (<see cref="StoredSession.Matches"/>) and status; at most <paramref name="limit"/>.</summary>
    public SessionList List(string? query, string? status, int limit)
    {
        var result = new List<SessionSummary>();
        var total = 0;
        lock (_gate)
        {
            for (var node = _order.Last; node is not null; node = node.Previous)
            {
                var session = node.Value;
                lock (session)
                {
                    if ((string.IsNullOrWhiteSpace(query) || session.Matches(query.Trim()))
                        && (string.IsNullOrEmpty(status) || string.Equals(session.Status, status, StringComparison.OrdinalIgnoreCase)))
                    {
                        total++;
                        if (result.Count < limit)
                        {
                            result.Add(session.Summary());
                        }
                    }
                }
            }
        }

        return new SessionList(result, total);
    }

    /// <summary>The session's list row as it is now, or null once it has left the history.</summary>
    public SessionSummary? Row(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        lock (session)
        {
            return session.Summary();
        }
    }

    public SessionDetail? Get(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        lock (session)
        {
            return new SessionDetail(session.Summary(), session.Lines(), session.LinesNotKept, [.. session.Certificates]);
        }
    }

    /// <summary>
    /// Hears every later change (of one session, or of all with null). With <paramref name="backlogAfter"/>, the
    /// session's kept lines after that sequence number are queued first, under the same lock, so none is lost or
    /// repeated between the snapshot and the live lines. A subscriber that falls behind by more than a queue's
    /// worth loses the oldest updates rather than slowing the relay down.
    /// </summary>
    public Subscription Subscribe(string? sessionId, long? backlogAfter = null)
    {
        var subscription = new Subscription(this, sessionId);
        lock (_gate)
        {
            if (sessionId is not null && backlogAfter is { } after && _sessions.TryGetValue(sessionId, out var session))
            {
                lock (session)
                {
                    subscription.Offer(new StoreUpdate(StoreUpdateKind.Session, session.Summary(), sessionId, null));
                    foreach (var line in session.Lines())
                    {
                        if (line.Seq > after)
                        {
                            subscription.Offer(new StoreUpdate(StoreUpdateKind.Line, null, sessionId, line));
                        }
                    }

                    Volatile.Write(ref _subscribers, [.. _subscribers, subscription]);
                }
            }
            else
            {
                Volatile.Write(ref _subscribers, [.. _subscribers, subscription]);
            }
        }

        return subscription;
    }

    private void Notify(StoreUpdate update)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            if (subscriber.SessionId is null ? update.Kind != StoreUpdateKind.Line : subscriber.SessionId == update.SessionId)
            {
                subscriber.Offer(update);
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            Volatile.Write(ref _subscribers, [.. _subscribers.Where(s => s != subscription)]);
        }
    }

    /// <summary>One listener's queue of updates; dispose it to stop listening.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly SessionStore _store;
        private readonly Channel<StoreUpdate> _channel;

        // Sessions whose "row changed" marker is queued and not yet taken: a busy session changes its row several times per
        // message, and fifty of them writing every change into the one queue of each watcher contended on its lock.
        private readonly ConcurrentDictionary<string, byte> _queuedRows = new(StringComparer.Ordinal);

        public Subscription(SessionStore store, string? sessionId)
        {
            _store = store;
            SessionId = sessionId;
            _channel = Channel.CreateBounded<StoreUpdate>(
                new BoundedChannelOptions(SubscriberQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                dropped =>
                {
                    if (IsRowMarker(dropped))
                    {
                        _queuedRows.TryRemove(dropped.SessionId, out _);
                    }
                });
        }

        public string? SessionId { get; }

        public ChannelReader<StoreUpdate> Updates => _channel.Reader;

        /// <summary>Queues the update; a row marker only if that session's marker is not queued already.</summary>
        internal void Offer(StoreUpdate update)
        {
            if (IsRowMarker(update) && (_queuedRows.ContainsKey(update.SessionId) || !_queuedRows.TryAdd(update.SessionId, 0)))
            {
                return;
            }

            _channel.Writer.TryWrite(update);
        }

        private static bool IsRowMarker(StoreUpdate update) => update.Kind == StoreUpdateKind.Session && update.Session is null;

        /// <summary>
        /// What one write of the event stream carries (<see cref="UpdateBatch"/>), each row with the session's summary as it
        /// is now; the row of a session that left the history meanwhile is dropped (its removal is in the batch).
        /// </summary>
        public List<StoreUpdate> TakeBatch()
        {
            var batch = UpdateBatch.Take(_channel.Reader);
            var sent = new List<StoreUpdate>(batch.Count);
            foreach (var update in batch)
            {
                if (!IsRowMarker(update))
                {
                    sent.Add(update);
                    continue;
                }

                // Unmarked before the summary is read: a change after this point queues the row again, and one before it
                // is in the summary; none is lost.
                _queuedRows.TryRemove(update.SessionId, out _);
                if (_store.Row(update.SessionId) is { } row)
                {
                    sent.Add(update with { Session = SessionId is null ? ListRow(row) : row });
                }
            }

            return sent;
        }

        /// <summary>
        /// The list's stream carries a row's first message only (the list cell shows it, or counts): a busy session's row
        /// with its 50 messages was most of each batch, serialised by the tap and parsed by every watching page four times
        /// a second. The session's own stream and GET /api/sessions/{id} have them all.
        /// </summary>
        private static SessionSummary ListRow(SessionSummary row) =>
            row.Messages.Count <= 1 ? row : row with { Messages = [row.Messages[0]] };

        public void Dispose()
        {
            _store.Unsubscribe(this);
            _channel.Writer.TryComplete();
        }
    }
}
