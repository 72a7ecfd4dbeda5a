using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace SmtpTap.Logging;

/// <summary>
/// Writes formatted events to a TextWriter (the console, or a test's StringWriter), one at a time. Each
/// event is formatted outside the lock into a per-thread buffer and reaches the writer as one write and
/// one flush under the lock: the console writer flushes on every write, so formatting straight into it
/// cost a system call per token, and formatting under the lock made every session wait for the others'.
/// </summary>
internal sealed class TextWriterSink(TextWriter writer, ITextFormatter formatter) : ILogEventSink
{
    private const int MaxRetainedBuffer = 16 * 1024;

    [ThreadStatic]
    private static StringWriter? t_buffer;

    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        var buffer = t_buffer ??= new StringWriter(new StringBuilder(256), CultureInfo.InvariantCulture);
        var sb = buffer.GetStringBuilder();
        sb.Clear();
        formatter.Format(logEvent, buffer);
        lock (_gate)
        {
            foreach (var chunk in sb.GetChunks())
            {
                writer.Write(chunk.Span);
            }

            writer.Flush();
        }

        if (sb.Capacity > MaxRetainedBuffer)
        {
            sb.Clear();
            sb.Capacity = 256;
        }
        else
        {
            sb.Clear();
        }
    }
}
