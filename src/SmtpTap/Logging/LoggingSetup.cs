using System.Globalization;
using Serilog;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace SmtpTap.Logging;

/// <summary>
/// Builds the Serilog pipeline for the transcript: human text or JSON Lines on the console, optional
/// per-session files and a log file. Every sink gets the same (already masked) events.
/// </summary>
internal static class LoggingSetup
{
    public const string TextTemplate = "{Timestamp:HH:mm:ss.fff} {SessionId,-5} {Direction,-10} {Message:lj}{NewLine}";
    public const string FileTemplate = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {SessionId,-5} {Direction,-10} {Message:lj}{NewLine}";

    /// <summary>
    /// Transcript files are written through a buffer (one write per few KB instead of one per line) and
    /// flushed at least this often, and when the tap stops.
    /// </summary>
    public static readonly TimeSpan TranscriptFlushInterval = TimeSpan.FromSeconds(1);

    public static Serilog.Core.Logger Create(OutputOptions output, TextWriter console)
    {
        var config = new LoggerConfiguration().MinimumLevel.Information();
        if (output.Json)
        {
            config.WriteTo.Sink(new TextWriterSink(console, new RenderedCompactJsonFormatter()));
        }
        else
        {
            config.WriteTo.Sink(new TextWriterSink(console, new MessageTemplateTextFormatter(TextTemplate, CultureInfo.InvariantCulture)));
        }

        if (output.TranscriptDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            var run = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            config.WriteTo.Map(
                "SessionId",
                "tap",
                (sessionId, sink) => sink.File(Path.Combine(dir, $"{run}-{sessionId}.log"), outputTemplate: FileTemplate, formatProvider: CultureInfo.InvariantCulture, buffered: true, flushToDiskInterval: TranscriptFlushInterval),
                sinkMapCountLimit: 128);
        }

        if (output.LogFile is { } logFile)
        {
            config.WriteTo.File(logFile, outputTemplate: FileTemplate, formatProvider: CultureInfo.InvariantCulture);
        }

        return config.CreateLogger();
    }
}
