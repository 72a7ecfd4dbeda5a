using System.Text.RegularExpressions;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Web;

/// <summary>
/// What the web store keeps of one session: its timeline (bounded) and the facts its list row shows, read from
/// the masked transcript records as they come. Not thread-safe: <see cref="SessionStore"/> holds the session's own lock around every use.
/// </summary>
internal sealed partial class StoredSession(string id, DateTimeOffset started, int maxLines)
{
    private const int MaxListed = 50;
    private readonly KeptTimeline _lines = new(maxLines);
    private readonly List<string> _senders = [];
    private readonly List<string> _recipients = [];
    private readonly List<string> _subjects = [];
    private readonly List<LegCertificate> _certificates = [];
    private readonly List<SessionMessage> _messages = [];
    private bool _inData;
    private bool _inHeaders;
    private bool _authFailed;
    private bool _serverRefused;
    private long _seq;
    private SessionSummary? _summary;

    public string Id { get; } = id;

    /// <summary>The update that says "this row changed": one per session, queued as often as it changes, resolved when sent.</summary>
    public StoreUpdate RowChanged { get; } = new(StoreUpdateKind.Session, null, id, null);

    public DateTimeOffset Started { get; } = started;

    public DateTimeOffset? Ended { get; private set; }

    public string? Outcome { get; private set; }

    public string? ClientAddress { get; private set; }

    public string? Listener { get; private set; }

    public string? Upstream { get; private set; }

    /// <summary>"protocol cipher" of the client leg's TLS, or null while it is plain.</summary>
    public string? ClientTls { get; private set; }

    /// <summary>"protocol cipher" of the upstream leg's TLS, or null while it is plain.</summary>
    public string? UpstreamTls { get; private set; }

    public string? Ehlo { get; private set; }

    public string? AuthMechanism { get; private set; }

    public string? User { get; private set; }

    public int Accepted { get; private set; }

    public int Rejected { get; private set; }

    /// <summary>Lines heard but not kept in memory (between the first and the newest, see <see cref="KeptTimeline"/>).</summary>
    public int LinesNotKept => _lines.NotKept;

    /// <summary>RCPT commands the server refused in the transactions of the messages heard (<see cref="AddMessage"/>).</summary>
    public int RecipientsRefused { get; private set; }

    /// <summary>The sizes of the messages heard, added up.</summary>
    public long MessageOctets { get; private set; }

    /// <summary>The kept lines in order: the session's first lines, then its newest (a copy).</summary>
    public TimelineLine[] Lines() => _lines.ToArray();

    /// <summary>The certificate of each TLS leg, in handshake order (a STARTTLS after implicit TLS cannot happen, so at most one per leg and handshake).</summary>
    public IReadOnlyList<LegCertificate> Certificates => _certificates;

    /// <summary>Adds the record to the timeline; true if the list row changed.</summary>
    public bool Add(TranscriptRecord record, out TimelineLine line)
    {
        line = new TimelineLine(++_seq, record.Timestamp, TranscriptDirectionNames.Of(record.Direction), record.IsWarning, record.Text, TranscriptMarkNames.Of(record.Mark), record.Explanation);
        if (record.Tls is { } tls && _certificates.Count < MaxListed)
        {
            _certificates.Add(new LegCertificate(tls.LegName, tls.Protocol, tls.CipherSuite, tls.Subject, tls.Issuer, tls.NotBefore, tls.NotAfter, tls.Sha256, tls.TrustName, tls.Verdict));
        }

        _lines.Add(line);

        var changed = record.Direction switch
        {
            TranscriptDirection.ClientToTap => ClientLine(record.Text),
            TranscriptDirection.ServerToTap => ServerLine(record.Text),
            TranscriptDirection.Event => Event(record),
            _ => false,
        };
        _summary = null; // its line count changed, if nothing else
        return changed;
    }

    /// <summary>A message the server gave its verdict on: its size, verdict code and refused recipients join the list row.</summary>
    public void AddMessage(RelayedMessage message)
    {
        var refused = 0;
        foreach (var recipient in message.Recipients)
        {
            if (recipient.Reply is { Accepted: false })
            {
                refused++;
            }
        }

        RecipientsRefused += refused;
        MessageOctets += message.Size ?? 0;
        if (_messages.Count < MaxListed)
        {
            _messages.Add(new SessionMessage(StoredMessage.IdOf(message.SessionId, message.Number), message.Size, message.Verdict.Code, refused));
        }

        _summary = null;
    }

    public SessionSummary Summary() => _summary ??= new SessionSummary(
        Id, Started, Ended, Status, Outcome, ClientAddress, Listener, Upstream, ClientTls, UpstreamTls, Ehlo, AuthMechanism, User,
        [.. _senders], [.. _recipients], [.. _subjects], Accepted, Rejected, (int)_seq, [.. _messages], RecipientsRefused, MessageOctets);

    /// <summary>open (not closed yet), accepted (a message accepted, none refused), rejected (a message, a recipient or AUTH refused), failed (ended by an error), closed (ended cleanly without any of these).</summary>
    public string Status =>
        Ended is null ? "open"
        : Rejected > 0 ? "rejected"
        : Accepted > 0 ? "accepted"
        : _authFailed || _serverRefused ? "rejected"
        : Outcome is "Quit" or "ClientClosed" ? "closed"
        : "failed";

    /// <summary>True if <paramref name="text"/> occurs in the client address, listener, upstream, EHLO name, user, a sender, a recipient or a subject.</summary>
    public bool Matches(string text)
    {
        static bool In(string? value, string text) => value?.Contains(text, StringComparison.OrdinalIgnoreCase) == true;
        return In(ClientAddress, text) || In(Listener, text) || In(Upstream, text) || In(Ehlo, text) || In(User, text) || In(Id, text)
            || _senders.Exists(s => In(s, text)) || _recipients.Exists(r => In(r, text)) || _subjects.Exists(s => In(s, text));
    }

    private bool ClientLine(string text)
    {
        if (_inData)
        {
            if (text == ".")
            {
                _inData = _inHeaders = false;
            }
            else if (_inHeaders && text.Length == 0)
            {
                _inHeaders = false;
            }
            else if (_inHeaders && text.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))
            {
                return AddListed(_subjects, text["Subject:".Length..].Trim());
            }

            return false;
        }

        if (StartsWithWord(text, "EHLO") || StartsWithWord(text, "HELO"))
        {
            Ehlo = text[5..].Trim();
            return true;
        }

        if (StartsWithWord(text, "AUTH"))
        {
            var rest = text[5..].TrimStart();
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            AuthMechanism = (space < 0 ? rest : rest[..space]).ToUpperInvariant();
            FindUser(text);
            return true;
        }

        if (text.StartsWith("********", StringComparison.Ordinal))
        {
            return FindUser(text);
        }

        if (text.StartsWith("MAIL FROM:", StringComparison.OrdinalIgnoreCase))
        {
            return AddListed(_senders, Address(text["MAIL FROM:".Length..]));
        }

        if (text.StartsWith("RCPT TO:", StringComparison.OrdinalIgnoreCase))
        {
            return AddListed(_recipients, Address(text["RCPT TO:".Length..]));
        }

        return false;
    }

    private bool ServerLine(string text)
    {
        if (text.StartsWith("354", StringComparison.Ordinal))
        {
            _inData = _inHeaders = true;
        }
        else if (text.Length > 0 && text[0] == '5' && !_serverRefused)
        {
            _serverRefused = true;
            return true;
        }

        return false;
    }

    private bool Event(TranscriptRecord record)
    {
        var properties = record.Properties;
        if (properties is null)
        {
            return false;
        }

        if (properties.TryGetValue(TranscriptRecord.OutcomeProperty, out var outcome))
        {
            Outcome = outcome;
            Ended = record.Timestamp;
            return true;
        }

        if (properties.TryGetValue("TlsProtocol", out var protocol))
        {
            var tls = protocol + " " + properties.GetValueOrDefault("CipherSuite");
            if (record.Text.StartsWith("TLS established with client", StringComparison.Ordinal))
            {
                ClientTls = tls;
                return true;
            }

            if (record.Text.StartsWith("TLS established with upstream", StringComparison.Ordinal))
            {
                UpstreamTls = tls;
                return true;
            }
        }

        if (properties.TryGetValue("ClientEndPoint", out var client) && ClientAddress is null)
        {
            ClientAddress = client;
            Listener = properties.GetValueOrDefault("Listener");
            return true;
        }

        if (properties.TryGetValue("Upstream", out var upstream) && record.Text.StartsWith("Connected to upstream", StringComparison.Ordinal))
        {
            Upstream = upstream;
            return true;
        }

        if (properties.TryGetValue("AuthVerdict", out var verdict))
        {
            _authFailed = verdict.StartsWith("AUTH failed", StringComparison.Ordinal);
            return true;
        }

        if (record.Text.StartsWith("Message accepted by the server", StringComparison.Ordinal))
        {
            Accepted++;
            return true;
        }

        if (record.Text.StartsWith("Message NOT accepted by the server", StringComparison.Ordinal))
        {
            Rejected++;
            return true;
        }

        return false;
    }

    private bool FindUser(string text)
    {
        var match = UserPattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        User = match.Groups[1].Value;
        return true;
    }

    private static bool AddListed(List<string> list, string value)
    {
        if (list.Count >= MaxListed || value.Length == 0)
        {
            return false;
        }

        list.Add(value);
        return true;
    }

    private static string Address(string rest)
    {
        rest = rest.Trim();
        if (rest.StartsWith('<'))
        {
            var end = rest.IndexOf('>', StringComparison.Ordinal);
            return end > 0 ? rest[1..end] : rest[1..];
        }

        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? rest : rest[..space];
    }

    private static bool StartsWithWord(string text, string verb) =>
        text.Length > verb.Length && text[verb.Length] == ' ' && text.StartsWith(verb, StringComparison.OrdinalIgnoreCase);

    // The describers' notes: "******** [user=alice]", "[authzid=, user=alice, password=********]", "user=alice" in SCRAM/XOAUTH2.
    [GeneratedRegex(@"\buser=([^,\]\s]+)", RegexOptions.CultureInvariant)]
    private static partial Regex UserPattern();
}
