using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace SmtpTap.IntegrationTests.Capture;

/// <summary>Keeps every rendered log event (message, properties, exception) for canary checks.</summary>
internal sealed class InMemoryLogSink : ILogEventSink
{
    private readonly ConcurrentQueue<string> _events = new();

    public IReadOnlyCollection<string> Events => _events;

    public void Emit(LogEvent logEvent)
    {
        var properties = string.Join(" ", logEvent.Properties.Select(p => p.Key + "=" + p.Value));
        _events.Enqueue(logEvent.RenderMessage() + " | " + properties + " | " + logEvent.Exception);
    }
}
