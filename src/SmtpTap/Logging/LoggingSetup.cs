using System.Globalization;
using Serilog;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace SmtpTap.Logging;

/// <summary>
/// Builds the Serilog pipeline for the transcript: human text or JSON Lines on the console, optional
/// per-session files and a log file. Every sink gets the same (already masked) events.
/// </summary>
internal static class LoggingSetup
{
    public const string TextTemplate = "{Timestamp:" + TextTimestampFormat + "} {SessionId,-5} {Direction,-10} {Message:lj}{NewLine}";
    public const string FileTemplate = "{Timestamp:" + FileTimestampFormat + "} {SessionId,-5} {Direction,-10} {Message:lj}{NewLine}";

    /// <summary>
    /// Console and files are formatted by <see cref="TranscriptLineFormatter"/>, which produces exactly what
    /// Serilog's formatter produces for <see cref="TextTemplate"/> and <see cref="FileTemplate"/>.
    /// </summary>
    private const string TextTimestampFormat = "HH:mm:ss.fff";
    private const string FileTimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffzzz";

    /// <summary>
    /// Transcript files are written through a buffer (one write per few KB instead of one per line) and
    /// flushed at least this often, and when the tap stops.
    /// </summary>
    public static readonly TimeSpan TranscriptFlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// "yyyyMMdd-HHmmss-pPID-KEY.log": the local time the session (or, for "tap", the tap) started, and this process's id,
    /// so two taps sharing one --transcripts folder never write into the same file.
    /// </summary>
    public static string TranscriptFileName(string key, DateTimeOffset started) =>
        string.Create(CultureInfo.InvariantCulture, $"{started.ToLocalTime():yyyyMMdd-HHmmss}-p{Environment.ProcessId}-{key}.log");

    /// <summary>Builds the logger; dispose it to write out everything still buffered (console queue, files).</summary>
    /// <param name="output">What goes where.</param>
    /// <param name="console">The console writer.</param>
    /// <param name="backgroundConsole">
    /// Write the console from a background thread (<see cref="BackgroundTextWriterSink"/>), as
    /// <c>smtptap proxy</c> does, so sessions do not wait for the terminal; otherwise each event is
    /// written before the logging call returns (tests that read the writer while the tap runs).
    /// </param>
    public static Serilog.Core.Logger Create(OutputOptions output, TextWriter console, bool backgroundConsole = false)
    {
        var config = new LoggerConfiguration().MinimumLevel.Information();
        ITextFormatter consoleFormatter = output.Json ? new RenderedCompactJsonFormatter() : new TranscriptLineFormatter(TextTimestampFormat);
        config.WriteTo.Sink(backgroundConsole ? new BackgroundTextWriterSink(console, consoleFormatter) : new TextWriterSink(console, consoleFormatter));

        if (output.TranscriptDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            config.WriteTo.Sink(new SessionFileSink((key, started) => Path.Combine(dir, TranscriptFileName(key, started)), new TranscriptLineFormatter(FileTimestampFormat), TranscriptFlushInterval));
        }

        if (output.LogFile is { } logFile)
        {
            config.WriteTo.File(new TranscriptLineFormatter(FileTimestampFormat), logFile);
        }

        if (output.Otlp is { } otlp)
        {
            // The same (already masked) events as every other sink, so a fleet can collect transcripts centrally.
            config.WriteTo.OpenTelemetry(o =>
            {
                o.Endpoint = otlp.ToString();
                o.Protocol = Serilog.Sinks.OpenTelemetry.OtlpProtocol.HttpProtobuf;
                o.ResourceAttributes = new Dictionary<string, object> { ["service.name"] = "smtptap", ["service.instance.id"] = Environment.MachineName + ":" + Environment.ProcessId };
                o.BatchingOptions.BufferingTimeLimit = TimeSpan.FromSeconds(1);
            });
        }

        return config.CreateLogger();
    }
}
