using System.Diagnostics.Tracing;
using System.Text;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>
/// Listens to every EventSource in the process at Verbose with all keywords and keeps every payload as text, so a
/// canary sweep covers runtime diagnostics too. The runtime's Private.InternalDiagnostics.* sources are not enabled
/// here (they dump raw buffers by design); instead the listener records whether anything else enabled them.
/// </summary>
internal sealed class EventSourceCapture : EventListener
{
    private readonly StringBuilder _text = new();
    private readonly List<EventSource> _private = [];

    public int Events { get; private set; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Names of Private.InternalDiagnostics sources that someone other than this listener enabled.</summary>
    public IReadOnlyList<string> EnabledPrivateSources()
    {
        lock (_private)
        {
            return _private.Where(s => s.IsEnabled()).Select(s => s.Name).ToList();
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name.StartsWith("Private.InternalDiagnostics", StringComparison.Ordinal))
        {
            lock (_private)
            {
                _private.Add(eventSource);
            }

            return;
        }

        EnableEvents(eventSource, EventLevel.Verbose, EventKeywords.All);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var line = new StringBuilder().Append(eventData.EventSource.Name).Append('/').Append(eventData.EventName).Append(' ').Append(eventData.Message);
        if (eventData.Payload is { } payload)
        {
            foreach (var item in payload)
            {
                line.Append(" | ").Append(item switch
                {
                    byte[] bytes => Convert.ToHexString(bytes),
                    _ => Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }

        lock (_text)
        {
            _text.AppendLine(line.ToString());
            Events++;
        }
    }
}
