using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace SmtpTap.Logging;

/// <summary>
/// Writes formatted events to a TextWriter (the console, or a test's StringWriter), one at a time. Each
/// event is formatted into a reused buffer first and reaches the writer as one write and one flush: the
/// console writer flushes on every write, so formatting straight into it cost a system call per token.
/// </summary>
internal sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    private const int MaxRetainedBuffer = 16 * 1024;

    private readonly Lock _gate = new();
    private readonly StringWriter _buffer = new(new StringBuilder(256), System.Globalization.CultureInfo.InvariantCulture);

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            var sb = _buffer.GetStringBuilder();
            sb.Clear();
            formatter.Format(logEvent, _buffer);
            foreach (var chunk in sb.GetChunks())
            {
                writer.Write(chunk.Span);
            }

            writer.Flush();
            if (sb.Capacity > MaxRetainedBuffer)
            {
                sb.Clear();
                sb.Capacity = 256;
            }
        }
    }
}
