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
/// reopened for appending if its session writes again, so ended sessions hold no file handle. A file's
/// path is chosen from its key and its first event's time (the session's start) and kept for
/// <see cref="ForgetIntervals"/> idle intervals, so a session that pauses keeps writing one file.
/// Files are created 0600 (see <see cref="Core.IO.PrivateFile"/>).
/// </summary>
internal sealed class SessionFileSink : ILogEventSink, IDisposable
{
    /// <summary>Flush intervals without an event after which a session's file is closed.</summary>
    public const int IdleIntervals = 3;

    /// <summary>Flush intervals without an event after which a session's file name is forgotten (an hour at 1 s).</summary>
    public const int ForgetIntervals = 3600;

    private const string KeyProperty = "SessionId";
    private const string DefaultKey = "tap";
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly ConcurrentDictionary<string, SessionFile> _files = new(StringComparer.Ordinal);
    private readonly Func<string, DateTimeOffset, string> _pathFor;
    private readonly ITextFormatter _formatter;
    private readonly Timer _timer;
    private readonly Lock _disposeGate = new();
    private long _tick;
    private bool _disposed;

    /// <param name="pathFor">The file for a key (the SessionId, or "tap") whose first event happened at the given time.</param>
    /// <param name="formatter">Formats each event.</param>
    /// <param name="flushInterval">How often buffers are flushed.</param>
    public SessionFileSink(Func<string, DateTimeOffset, string> pathFor, ITextFormatter formatter, TimeSpan flushInterval)
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

            var file = _files.GetOrAdd(key, static (k, state) => new SessionFile(state.Self._pathFor(k, state.Time)), (Self: this, Time: logEvent.Timestamp));
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
                if (file.ForgetIfIdle(now - ForgetIntervals))
                {
                    _files.TryRemove(new KeyValuePair<string, SessionFile>(key, file));
                }
                else if (!file.CloseIfIdle(now - IdleIntervals))
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

                // Opened on first use (and again after an idle close): of two instances raced into the dictionary, the loser opens nothing.
                _writer ??= new StreamWriter(Core.IO.PrivateFile.Open(path, FileMode.Append, 1, share: FileShare.Read), s_utf8, 16 * 1024);
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

        /// <summary>Closes the file handle (it reopens on the next write) if nothing was written since <paramref name="tick"/>.</summary>
        public bool CloseIfIdle(long tick)
        {
            lock (_gate)
            {
                if (_lastTick > tick)
                {
                    return false;
                }

                var writer = _writer;
                _writer = null;
                writer?.Dispose();
                return true;
            }
        }

        /// <summary>Ends this instance (a later event of its key starts a new one) if nothing was written since <paramref name="tick"/>.</summary>
        public bool ForgetIfIdle(long tick)
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
