using Serilog;
using Serilog.Events;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// The transcript of one session: each line becomes a <see cref="TranscriptRecord"/> published to the
/// Serilog output (console, files, JSON: <see cref="SerilogTranscriptObserver"/>, as before) and to any other
/// observers (the web UI's session store). Only text that has already been through the AUTH masking reaches
/// it: callers pass masked lines for anything inside an AUTH exchange, so every observer sees masked text.
/// </summary>
internal sealed class SessionTranscript
{
    private readonly SerilogTranscriptObserver _serilog;
    private readonly ITranscriptObserver[] _observers;

    public SessionTranscript(ILogger logger, string sessionId, IReadOnlyList<ITranscriptObserver>? observers = null)
    {
        SessionId = sessionId;
        _serilog = new SerilogTranscriptObserver(logger, sessionId);
        _observers = observers is null ? [] : [.. observers];
        var events = logger.ForContext("SessionId", sessionId).ForContext(TranscriptDirectionNames.PropertyName, TranscriptDirectionNames.Of(TranscriptDirection.Event));
        Events = _observers.Length == 0 ? events : new ObservedEventLogger(events, sessionId, _observers);
    }

    public string SessionId { get; }

    /// <summary>The tap-event logger, for events with their own message templates (published to the other observers too).</summary>
    public ILogger Events { get; }

    public void Line(TranscriptDirection direction, string text)
    {
        if (_observers.Length > 0 || _serilog.IsEnabled(LogEventLevel.Information))
        {
            Publish(new TranscriptRecord(SessionId, DateTimeOffset.Now, direction, IsWarning: false, text));
        }
    }

    public void Lines(TranscriptDirection direction, Protocol.SmtpReply reply)
    {
        if (_observers.Length == 0 && !_serilog.IsEnabled(LogEventLevel.Information))
        {
            return;
        }

        var code = reply.Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < reply.Lines.Count; i++)
        {
            var separator = i == reply.Lines.Count - 1 ? " " : "-";
            Publish(new TranscriptRecord(SessionId, DateTimeOffset.Now, direction, IsWarning: false, code + separator + reply.Lines[i]));
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

    private void Publish(TranscriptRecord record)
    {
        _serilog.OnRecord(record);
        foreach (var observer in _observers)
        {
            observer.OnRecord(record);
        }
    }
}
