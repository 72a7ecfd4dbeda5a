using System.Diagnostics;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// The transcript as Serilog events with the properties SessionId and Direction, for the console, files and JSON.
/// </summary>
/// <remarks>
/// Transcript lines are the bulk of the events (about 17 per relayed message), so they are built directly:
/// a template parsed once, the SessionId and Direction properties created once per session, and no
/// per-event enricher chain. The event is the one <c>logger.ForContext("SessionId", id)
/// .ForContext("Direction", d).Information("{Line:l}", text)</c> produces, with its properties in the same
/// order (Line, Direction, SessionId), and it still goes through the logger's own enrichers.
/// </remarks>
internal sealed class SerilogTranscriptObserver : ITranscriptObserver
{
    private const string LinePropertyName = "Line";
    private static readonly MessageTemplate s_lineTemplate = new MessageTemplateParser().Parse("{" + LinePropertyName + ":l}");
    private static readonly MessageTemplate s_warningTemplate = new MessageTemplateParser().Parse("WARNING: {" + LinePropertyName + ":l}");

    private readonly ILogger _logger;
    private readonly LogEventProperty _sessionIdProperty;
    private readonly LogEventProperty[] _directionProperties;

    public SerilogTranscriptObserver(ILogger logger, string sessionId)
    {
        _logger = logger;
        _sessionIdProperty = new LogEventProperty("SessionId", new ScalarValue(sessionId));
        _directionProperties = new LogEventProperty[(int)TranscriptDirection.Event + 1];
        for (var i = 0; i < _directionProperties.Length; i++)
        {
            _directionProperties[i] = new LogEventProperty(TranscriptDirectionNames.PropertyName, new ScalarValue(TranscriptDirectionNames.Of((TranscriptDirection)i)));
        }
    }

    public bool IsEnabled(LogEventLevel level) => _logger.IsEnabled(level);

    public void OnRecord(TranscriptRecord record)
    {
        var level = record.IsWarning ? LogEventLevel.Warning : LogEventLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var direction = record.Direction;
        var directionProperty = (uint)direction < (uint)_directionProperties.Length
            ? _directionProperties[(int)direction]
            : _directionProperties[(int)TranscriptDirection.Event];
        var activity = Activity.Current;
        _logger.Write(new LogEvent(
            record.Timestamp,
            level,
            exception: null,
            record.IsWarning ? s_warningTemplate : s_lineTemplate,
            new[] { new LogEventProperty(LinePropertyName, new ScalarValue(record.Text)), directionProperty, _sessionIdProperty },
            activity?.TraceId ?? default,
            activity?.SpanId ?? default));
    }
}
