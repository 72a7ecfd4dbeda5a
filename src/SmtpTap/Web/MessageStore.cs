using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// The web UI's relayed messages: each message record the core publishes (envelope, replies, verdict, file), kept for
/// the messages of the last <c>capacity</c> sessions that sent any (the same bound as --web-history), at most
/// <see cref="MaxPerSession"/> per session (its first ones; later ones are not kept: a kept record that is dropped
/// later has usually reached gen2 by then, and dropping them cost more GC time than keeping them, see docs/benchmarks.md).
/// The bytes stay in their .eml file; only where it is is kept here.
/// </summary>
internal sealed class MessageStore : ITranscriptObserver, IRelayedMessageObserver
{
    /// <summary>Messages kept per session, the first ones (a record is about 1 KB).</summary>
    public const int MaxPerSession = 50;

    private readonly object _gate = new();
    private readonly Dictionary<string, StoredMessage> _messages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<StoredMessage>> _bySession = new(StringComparer.Ordinal);
    private readonly Queue<string> _sessionOrder = new();
    private readonly Func<RelayedMessage, string?>? _locate;

    /// <param name="capacity">Sessions whose messages are kept (--web-history).</param>
    /// <param name="locate">Where a message without the tap's own copy is stored (the capture server's file), or null.</param>
    public MessageStore(int capacity, Func<RelayedMessage, string?>? locate = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _locate = locate;
    }

    public int Capacity { get; }

    public void OnRecord(TranscriptRecord record)
    {
    }

    public void OnMessage(RelayedMessage message)
    {
        var path = message.FilePath ?? _locate?.Invoke(message);
        var stored = new StoredMessage(StoredMessage.IdOf(message.SessionId, message.Number), message, path);
        lock (_gate)
        {
            if (!_bySession.TryGetValue(message.SessionId, out var list))
            {
                list = [];
                _bySession.Add(message.SessionId, list);
                _sessionOrder.Enqueue(message.SessionId);
                while (_sessionOrder.Count > Capacity)
                {
                    var oldest = _sessionOrder.Dequeue();
                    foreach (var gone in _bySession[oldest])
                    {
                        _messages.Remove(gone.Id);
                    }

                    _bySession.Remove(oldest);
                }
            }

            if (list.Count < MaxPerSession)
            {
                list.Add(stored);
                _messages[stored.Id] = stored;
            }
        }
    }

    public StoredMessage? Get(string id)
    {
        lock (_gate)
        {
            return _messages.GetValueOrDefault(id);
        }
    }

    /// <summary>The session's kept messages in order (empty if none, or if the session left the history).</summary>
    public IReadOnlyList<StoredMessage> OfSession(string sessionId)
    {
        lock (_gate)
        {
            return _bySession.TryGetValue(sessionId, out var list) ? [.. list] : [];
        }
    }
}
