namespace SmtpTap.Web;

/// <summary>One row of the sessions list (and the head of a session's page), as the API returns it.</summary>
/// <param name="Messages">Each message the server gave its verdict on (at most 50), in order.</param>
/// <param name="RecipientsRefused">RCPT commands the server refused in the transactions of every message heard (a message can be accepted for some recipients and not others).</param>
/// <param name="MessageOctets">The sizes of every message heard, added up (also those beyond the 50 listed).</param>
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
    int LineCount,
    IReadOnlyList<SessionMessage> Messages,
    int RecipientsRefused,
    long MessageOctets);

/// <summary>One message of a session as its list row shows it.</summary>
/// <param name="Id">The message page's id ("s0001-1").</param>
/// <param name="Size">Octets as RFC 1870 counts them, or null if unknown.</param>
/// <param name="Verdict">The server's reply code to the end of data (250, 550, ...).</param>
/// <param name="RecipientsRefused">RCPT commands of its transaction that the server refused.</param>
internal sealed record SessionMessage(string Id, long? Size, int Verdict, int RecipientsRefused);

/// <summary>One transcript line of a session's timeline: <see cref="Seq"/> counts from 1 within the session.</summary>
/// <param name="Mark">What the tap did to the line (<c>tap-sent</c>, <c>capability-removed</c>, <c>capability-added</c>, <c>capability-changed</c>, <c>capability-rewrite</c>, <c>certificate</c>, <c>auth-challenge</c>), or null when it relayed it as is.</param>
/// <param name="Explanation">On the last line of a refusal or a final AUTH reply: what it means (the same reading as <c>smtptap probe</c>).</param>
internal sealed record TimelineLine(long Seq, DateTimeOffset Time, string Direction, bool Warning, string Text, string? Mark = null, string? Explanation = null);

/// <summary>The certificate of one TLS leg of a session and its verdict (<c>trusted</c>, <c>not-trusted</c> or <c>not-checked</c>).</summary>
/// <param name="Leg"><c>client</c> (the certificate the tap presented) or <c>upstream</c> (the server's).</param>
internal sealed record LegCertificate(
    string Leg,
    string? Protocol,
    string? CipherSuite,
    string Subject,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Sha256,
    string Trust,
    string Verdict);

/// <summary>A session with its whole kept timeline and the certificate of each TLS leg (GET /api/sessions/{id}).</summary>
internal sealed record SessionDetail(SessionSummary Session, IReadOnlyList<TimelineLine> Lines, int LinesNotKept, IReadOnlyList<LegCertificate> Certificates);

/// <summary>GET /api/sessions: newest first.</summary>
internal sealed record SessionList(IReadOnlyList<SessionSummary> Sessions, int Total);

/// <summary>
/// What a subscriber of the store hears: a session's new summary, a new line of it, or its removal from history.
/// A row change is queued without its summary (<see cref="Session"/> null): the summary is built once, when the batch
/// is sent (<see cref="SessionStore.Subscription.TakeBatch"/>), not at every line of a busy session.
/// </summary>
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
