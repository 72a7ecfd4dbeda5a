using System.Collections.Concurrent;
using System.Text;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace SmtpTap.Logging;

/// <summary>
/// One transcript file per session (the SessionId property; events without one go to the "tap" file),
/// written through a buffer. Replaces Serilog.Sinks.Map + File, which held one lock for every event of
/// every session while it formatted and wrote: here sessions only contend on a lock-free dictionary
/// lookup, and each file has its own lock, so the lines of one session stay in order. Buffers are
/// flushed every <paramref name="flushInterval"/>, when the sink is disposed (the tap stops), and when
/// a file is closed; a file with no event for <see cref="IdleIntervals"/> flush intervals is closed and
/// reopened for appending if its session writes again, so ended sessions hold no file handle.
/// </summary>
internal sealed class SessionFileSink : ILogEventSink, IDisposable
{
    /// <summary>Flush intervals without an event after which a session's file is closed.</summary>
    public const int IdleIntervals = 3;

    private const string KeyProperty = "SessionId";
    private const string DefaultKey = "tap";
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly ConcurrentDictionary<string, SessionFile> _files = new(StringComparer.Ordinal);
    private readonly Func<string, string> _pathFor;
    private readonly ITextFormatter _formatter;
    private readonly Timer _timer;
    private readonly Lock _disposeGate = new();
    private long _tick;
    private bool _disposed;

    public SessionFileSink(Func<string, string> pathFor, ITextFormatter formatter, TimeSpan flushInterval)
    {
        _pathFor = pathFor;
        _formatter = formatter;
        _timer = new Timer(static state => ((SessionFileSink)state!).OnTick(), this, flushInterval, flushInterval);
    }

    public void Emit(LogEvent logEvent)
    {
        var key = logEvent.Properties.TryGetValue(KeyProperty, out var value) && value is ScalarValue { Value: string id } ? id : DefaultKey;
        while (true)
        {
            if (Volatile.Read(ref _disposed))
            {
                return;
            }

            var file = _files.GetOrAdd(key, static (k, self) => new SessionFile(self._pathFor(k)), this);
            if (file.TryWrite(logEvent, _formatter, Volatile.Read(ref _tick)))
            {
                if (Volatile.Read(ref _disposed))
                {
                    file.Close(); // written while the tap stopped: do not leave it in a buffer
                }

                return;
            }

            // Closed by the idle sweep between the lookup and the write: drop it and open the file again.
            _files.TryRemove(new KeyValuePair<string, SessionFile>(key, file));
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

            Volatile.Write(ref _disposed, true);
        }

        _timer.Dispose();
        foreach (var (key, file) in _files)
        {
            file.Close();
            _files.TryRemove(new KeyValuePair<string, SessionFile>(key, file));
        }
    }

    private void OnTick()
    {
        var now = Interlocked.Increment(ref _tick);
        foreach (var (key, file) in _files)
        {
            try
            {
                if (file.CloseIfIdle(now - IdleIntervals))
                {
                    _files.TryRemove(new KeyValuePair<string, SessionFile>(key, file));
                }
                else
                {
                    file.Flush();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                SelfLog.WriteLine("Transcript file {0}: {1}", key, ex.Message);
            }
        }
    }

    private sealed class SessionFile(string path)
    {
        private readonly Lock _gate = new();
        private StreamWriter? _writer;
        private bool _closed;
        private bool _dirty;
        private long _lastTick;

        public bool TryWrite(LogEvent logEvent, ITextFormatter formatter, long tick)
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                // Opened on first use: of two instances raced into the dictionary, the loser opens nothing.
                _writer ??= new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1), s_utf8, 16 * 1024);
                formatter.Format(logEvent, _writer);
                _dirty = true;
                _lastTick = tick;
                return true;
            }
        }

        public void Flush()
        {
            lock (_gate)
            {
                if (_dirty && _writer is not null)
                {
                    _dirty = false;
                    _writer.Flush();
                }
            }
        }

        /// <summary>Closes the file if nothing was written since <paramref name="tick"/>.</summary>
        public bool CloseIfIdle(long tick)
        {
            lock (_gate)
            {
                if (_lastTick > tick)
                {
                    return false;
                }

                CloseCore();
                return true;
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                CloseCore();
            }
        }

        private void CloseCore()
        {
            _closed = true;
            var writer = _writer;
            _writer = null;
            writer?.Dispose();
        }
    }
}
