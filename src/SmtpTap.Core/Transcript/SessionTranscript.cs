using System.Diagnostics;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// The transcript of one session, written as Serilog events with the properties SessionId and Direction.
/// Only text that has already been through the AUTH masking reaches it: callers pass masked lines for
/// anything inside an AUTH exchange.
/// </summary>
/// <remarks>
/// Transcript lines are the bulk of the events (about 17 per relayed message), so they are built directly:
/// a template parsed once, the SessionId and Direction properties created once per session, and no
/// per-event enricher chain. The event is the one <c>logger.ForContext("SessionId", id)
/// .ForContext("Direction", d).Information("{Line:l}", text)</c> produces, with its properties in the same
/// order (Line, Direction, SessionId), and it still goes through <paramref name="logger"/>'s own enrichers.
/// </remarks>
internal sealed class SessionTranscript
{
    private const string LinePropertyName = "Line";
    private static readonly MessageTemplate s_lineTemplate = new MessageTemplateParser().Parse("{" + LinePropertyName + ":l}");
    private static readonly MessageTemplate s_warningTemplate = new MessageTemplateParser().Parse("WARNING: {" + LinePropertyName + ":l}");

    private readonly ILogger _logger;
    private readonly ILogger _event;
    private readonly LogEventProperty _sessionIdProperty;
    private readonly LogEventProperty[] _directionProperties;

    public SessionTranscript(ILogger logger, string sessionId)
    {
        SessionId = sessionId;
        _logger = logger;
        _sessionIdProperty = new LogEventProperty("SessionId", new ScalarValue(sessionId));
        _directionProperties = new LogEventProperty[(int)TranscriptDirection.Event + 1];
        for (var i = 0; i < _directionProperties.Length; i++)
        {
            _directionProperties[i] = new LogEventProperty(TranscriptDirectionNames.PropertyName, new ScalarValue(TranscriptDirectionNames.Of((TranscriptDirection)i)));
        }

        _event = logger.ForContext("SessionId", sessionId).ForContext(TranscriptDirectionNames.PropertyName, TranscriptDirectionNames.Of(TranscriptDirection.Event));
    }

    public string SessionId { get; }

    /// <summary>The tap-event logger, for events with their own message templates.</summary>
    public ILogger Events => _event;

    public void Line(TranscriptDirection direction, string text)
    {
        if (_logger.IsEnabled(LogEventLevel.Information))
        {
            Write(LogEventLevel.Information, s_lineTemplate, direction, text);
        }
    }

    public void Lines(TranscriptDirection direction, Protocol.SmtpReply reply)
    {
        if (!_logger.IsEnabled(LogEventLevel.Information))
        {
            return;
        }

        var code = reply.Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < reply.Lines.Count; i++)
        {
            var separator = i == reply.Lines.Count - 1 ? " " : "-";
            Write(LogEventLevel.Information, s_lineTemplate, direction, code + separator + reply.Lines[i]);
        }
    }

    public void Warning(string text)
    {
        if (_logger.IsEnabled(LogEventLevel.Warning))
        {
            Write(LogEventLevel.Warning, s_warningTemplate, TranscriptDirection.Event, text);
        }
    }

    private void Write(LogEventLevel level, MessageTemplate template, TranscriptDirection direction, string text)
    {
        var directionProperty = (uint)direction < (uint)_directionProperties.Length
            ? _directionProperties[(int)direction]
            : _directionProperties[(int)TranscriptDirection.Event];
        var activity = Activity.Current;
        _logger.Write(new LogEvent(
            DateTimeOffset.Now,
            level,
            exception: null,
            template,
            new[] { new LogEventProperty(LinePropertyName, new ScalarValue(text)), directionProperty, _sessionIdProperty },
            activity?.TraceId ?? default,
            activity?.SpanId ?? default));
    }
}
