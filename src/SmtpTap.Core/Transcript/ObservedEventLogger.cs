using System.Globalization;
using Serilog;
using Serilog.Events;

namespace SmtpTap.Core.Transcript;

/// <summary>
/// The tap-event logger of a session when other observers than Serilog listen: each event (a message template
/// with its own properties) is written to Serilog as before and published to the observers as a
/// <see cref="TranscriptRecord"/> with its rendered text and its properties as text.
/// </summary>
/// <remarks>
/// Serilog's <see cref="ILogger"/> default interface methods turn <c>Information(template, args)</c> into
/// <see cref="BindMessageTemplate"/> and <see cref="Write(LogEvent)"/>; both go to the inner logger, so the
/// Serilog event is the one the inner logger would have built itself.
/// </remarks>
internal sealed class ObservedEventLogger(ILogger inner, string sessionId, ITranscriptObserver[] observers) : ILogger
{
    public bool IsEnabled(LogEventLevel level) => level >= LogEventLevel.Information || inner.IsEnabled(level);

    public bool BindMessageTemplate(string messageTemplate, object?[]? propertyValues, out MessageTemplate parsedTemplate, out IEnumerable<LogEventProperty> boundProperties) =>
        inner.BindMessageTemplate(messageTemplate, propertyValues, out parsedTemplate!, out boundProperties!);

    public void Write(LogEvent logEvent)
    {
        if (logEvent.Level >= LogEventLevel.Information)
        {
            var properties = new Dictionary<string, string>(logEvent.Properties.Count, StringComparer.Ordinal);
            foreach (var (name, value) in logEvent.Properties)
            {
                properties[name] = value is ScalarValue { Value: var v } ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty : value.ToString();
            }

            var record = new TranscriptRecord(sessionId, logEvent.Timestamp, TranscriptDirection.Event, logEvent.Level >= LogEventLevel.Warning, logEvent.RenderMessage(CultureInfo.InvariantCulture), properties);
            foreach (var observer in observers)
            {
                observer.OnRecord(record);
            }
        }

        // After the observers: the inner logger's enrichers add SessionId and Direction to this same event.
        inner.Write(logEvent);
    }
}
