using System.Globalization;
using Serilog;
using Serilog.Events;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// The transcript of one session: each line becomes a <see cref="TranscriptRecord"/> published to the
/// Serilog output (console, files, JSON: <see cref="SerilogTranscriptObserver"/>, as before) and to any other
/// observers (the web UI's session store). Only text that has already been through the AUTH masking reaches
/// it: callers pass masked lines for anything inside an AUTH exchange, so every observer sees masked text.
/// </summary>
internal sealed class SessionTranscript
{
    private const string CertificateTemplate =
        "Certificate of the {Leg:l} leg: subject {Subject:l}, issuer {Issuer:l}, valid {NotBefore:l} to {NotAfter:l}, SHA-256 {Sha256:l}; {Trust:l}: {Verdict:l}";

    private readonly SerilogTranscriptObserver _serilog;
    private readonly ITranscriptObserver[] _observers;
    private readonly ILogger _events;

    public SessionTranscript(ILogger logger, string sessionId, IReadOnlyList<ITranscriptObserver>? observers = null)
    {
        SessionId = sessionId;
        _serilog = new SerilogTranscriptObserver(logger, sessionId);
        _observers = observers is null ? [] : [.. observers];
        _events = logger.ForContext("SessionId", sessionId).ForContext(TranscriptDirectionNames.PropertyName, TranscriptDirectionNames.Of(TranscriptDirection.Event));
        Events = _observers.Length == 0 ? _events : new ObservedEventLogger(_events, sessionId, _observers);
    }

    public string SessionId { get; }

    /// <summary>The tap-event logger, for events with their own message templates (published to the other observers too).</summary>
    public ILogger Events { get; }

    /// <summary>One line; a line the tap sends itself (tap&gt;server, tap&gt;client) is marked <see cref="TranscriptMark.TapSent"/> unless <paramref name="mark"/> says more.</summary>
    public void Line(TranscriptDirection direction, string text, TranscriptMark mark = TranscriptMark.None)
    {
        if (_observers.Length > 0 || _serilog.IsEnabled(LogEventLevel.Information))
        {
            Publish(new TranscriptRecord(SessionId, DateTimeOffset.Now, direction, IsWarning: false, text) { Mark = DefaultMark(direction, mark) });
        }
    }

    /// <summary>
    /// A reply, one line per record. When other observers listen, the last line of a refusal (or of a final AUTH reply
    /// with <paramref name="context"/> Auth) carries its <see cref="ReplyExplainer"/> meaning; <paramref name="marks"/>
    /// (one per line) tells which lines the tap changed.
    /// </summary>
    public void Lines(TranscriptDirection direction, SmtpReply reply, ReplyContext context = ReplyContext.Command, IReadOnlyList<TranscriptMark>? marks = null)
    {
        if (_observers.Length == 0 && !_serilog.IsEnabled(LogEventLevel.Information))
        {
            return;
        }

        var explanation = _observers.Length > 0 && direction is TranscriptDirection.ServerToTap or TranscriptDirection.TapToClient
            ? ReplyExplainer.Explain(reply, context)
            : null;
        var code = reply.Code.ToString("D3", CultureInfo.InvariantCulture);
        for (var i = 0; i < reply.Lines.Count; i++)
        {
            var last = i == reply.Lines.Count - 1;
            var mark = marks is not null && i < marks.Count ? marks[i] : TranscriptMark.None;
            Publish(new TranscriptRecord(SessionId, DateTimeOffset.Now, direction, IsWarning: false, code + (last ? " " : "-") + reply.Lines[i])
            {
                Mark = DefaultMark(direction, mark),
                Explanation = last ? explanation : null,
            });
        }
    }

    public void Warning(string text)
    {
        if (_observers.Length > 0 || _serilog.IsEnabled(LogEventLevel.Warning))
        {
            Publish(new TranscriptRecord(SessionId, DateTimeOffset.Now, TranscriptDirection.Event, IsWarning: true, text));
        }
    }

    /// <summary>A relayed message with its verdict, to the observers that keep messages (<see cref="IRelayedMessageObserver"/>).</summary>
    public void Message(RelayedMessage message)
    {
        foreach (var observer in _observers)
        {
            if (observer is IRelayedMessageObserver messages)
            {
                messages.OnMessage(message);
            }
        }
    }

    /// <summary>
    /// The "Certificate of the client|upstream leg: subject …, issuer …, valid … to …, SHA-256 …; trust: verdict" event:
    /// text and JSON transcripts get it as any event, and the other observers get it with <see cref="TranscriptRecord.Tls"/> set.
    /// </summary>
    public void Certificate(TlsLegCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        object?[] values =
        [
            certificate.LegName, certificate.Subject, certificate.Issuer, TlsLegCertificate.Date(certificate.NotBefore),
            TlsLegCertificate.Date(certificate.NotAfter), certificate.Sha256, certificate.TrustName, certificate.Verdict,
        ];
        Event(CertificateTemplate, values, TranscriptMark.Certificate, certificate);
    }

    /// <summary>A tap event (as <see cref="Events"/> writes it) that the other observers get with <paramref name="mark"/>.</summary>
    public void Event(TranscriptMark mark, string messageTemplate, params object?[] values) => Event(messageTemplate, values, mark, null);

    private void Event(string messageTemplate, object?[] values, TranscriptMark mark, TlsLegCertificate? tls)
    {
        if (_observers.Length == 0)
        {
            _events.Information(messageTemplate, values);
            return;
        }

        if (!_events.BindMessageTemplate(messageTemplate, values, out var template, out var bound))
        {
            return;
        }

        var logEvent = new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, template, bound);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in bound)
        {
            properties[property.Name] = property.Value is ScalarValue { Value: var v } ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty : property.Value.ToString();
        }

        var record = new TranscriptRecord(SessionId, logEvent.Timestamp, TranscriptDirection.Event, IsWarning: false, logEvent.RenderMessage(CultureInfo.InvariantCulture), properties)
        {
            Mark = mark,
            Tls = tls,
        };
        foreach (var observer in _observers)
        {
            observer.OnRecord(record);
        }

        _events.Write(logEvent);
    }

    private static TranscriptMark DefaultMark(TranscriptDirection direction, TranscriptMark mark) =>
        mark == TranscriptMark.None && direction is TranscriptDirection.TapToServer or TranscriptDirection.TapToClient ? TranscriptMark.TapSent : mark;

    private void Publish(TranscriptRecord record)
    {
        _serilog.OnRecord(record);
        foreach (var observer in _observers)
        {
            observer.OnRecord(record);
        }
    }
}
