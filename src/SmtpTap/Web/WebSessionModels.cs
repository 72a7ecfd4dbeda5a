namespace SmtpTap.Web;

/// <summary>One row of the sessions list (and the head of a session's page), as the API returns it.</summary>
internal sealed record SessionSummary(
    string Id,
    DateTimeOffset Started,
    DateTimeOffset? Ended,
    string Status,
    string? Outcome,
    string? ClientAddress,
    string? Listener,
    string? Upstream,
    string? ClientTls,
    string? UpstreamTls,
    string? Ehlo,
    string? AuthMechanism,
    string? User,
    IReadOnlyList<string> Senders,
    IReadOnlyList<string> Recipients,
    IReadOnlyList<string> Subjects,
    int MessagesAccepted,
    int MessagesRejected,
    int LineCount);

/// <summary>One transcript line of a session's timeline: <see cref="Seq"/> counts from 1 within the session.</summary>
internal sealed record TimelineLine(long Seq, DateTimeOffset Time, string Direction, bool Warning, string Text);

/// <summary>A session with its whole kept timeline (GET /api/sessions/{id}).</summary>
internal sealed record SessionDetail(SessionSummary Session, IReadOnlyList<TimelineLine> Lines, int LinesNotKept);

/// <summary>GET /api/sessions: newest first.</summary>
internal sealed record SessionList(IReadOnlyList<SessionSummary> Sessions, int Total);

/// <summary>What a subscriber of the store hears: a session's new summary, a new line of it, or its removal from history.</summary>
internal sealed record StoreUpdate(StoreUpdateKind Kind, SessionSummary? Session, string SessionId, TimelineLine? Line);

internal enum StoreUpdateKind
{
    /// <summary>A new session, or a change of what its list row shows.</summary>
    Session,

    /// <summary>A new line of the session.</summary>
    Line,

    /// <summary>The session left the in-memory history (--web-history).</summary>
    Removed,
}
