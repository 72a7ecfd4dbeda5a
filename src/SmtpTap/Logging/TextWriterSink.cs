using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace SmtpTap.Logging;

/// <summary>Writes formatted events to a TextWriter (the console, or a test's StringWriter), one at a time.</summary>
internal sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    private readonly object _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
