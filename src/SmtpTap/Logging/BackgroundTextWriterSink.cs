using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace SmtpTap.Logging;

/// <summary>
/// Writes formatted events to a TextWriter (the console of <c>smtptap proxy</c>) from a background
/// thread, so a session never waits for the terminal. Events are formatted on the caller's thread and
/// queued in the order Serilog emits them (one queue for all sessions, so the lines of a session stay
/// in order); the writer thread joins whatever is queued into one write and flushes. The queue is
/// bounded: when the console cannot keep up, callers wait instead of losing lines. Disposing (the tap
/// stopping) writes everything still queued before it returns.
/// </summary>
internal sealed class BackgroundTextWriterSink : ILogEventSink, IDisposable
{
    /// <summary>Lines queued before a caller waits for the console.</summary>
    public const int Capacity = 10_000;

    private const int MaxBatchChars = 64 * 1024;

    private readonly TextWriter _writer;
    private readonly ITextFormatter _formatter;
    private readonly BlockingCollection<string> _queue = new(new ConcurrentQueue<string>(), Capacity);
    private readonly Thread _thread;
    private readonly Lock _disposeGate = new();
    private bool _disposed;

    public BackgroundTextWriterSink(TextWriter writer, ITextFormatter formatter)
    {
        _writer = writer;
        _formatter = formatter;
        _thread = new Thread(Run) { IsBackground = true, Name = "smtptap console" };
        _thread.Start();
    }

    public void Emit(LogEvent logEvent)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        _formatter.Format(logEvent, text);
        try
        {
            _queue.Add(text.ToString());
        }
        catch (InvalidOperationException)
        {
            // Emitted after the sink was disposed (the tap has stopped): nowhere left to write it.
        }
    }

    public void Dispose()
    {
        lock (_disposeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private void Run()
    {
        var batch = new StringBuilder(4096);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Append(first);
            while (batch.Length < MaxBatchChars && _queue.TryTake(out var next))
            {
                batch.Append(next);
            }

            try
            {
                foreach (var chunk in batch.GetChunks())
                {
                    _writer.Write(chunk.Span);
                }

                _writer.Flush();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                SelfLog.WriteLine("Console output failed: {0}", ex.Message);
            }

            batch.Clear();
            if (batch.Capacity > 4 * MaxBatchChars)
            {
                batch.Capacity = 4096;
            }
        }
    }
}
