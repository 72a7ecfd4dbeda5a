using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using SmtpTap.Logging;
using Xunit;

namespace SmtpTap.Tests.Logging;

public sealed class TranscriptLineFormatterTests
{
    public static TheoryData<string> Templates => new() { LoggingSetup.TextTemplate, LoggingSetup.FileTemplate };

    [Theory]
    [MemberData(nameof(Templates))]
    public void Formats_every_kind_of_event_exactly_as_the_serilog_template_does(string template)
    {
        var format = template["{Timestamp:".Length..template.IndexOf('}', StringComparison.Ordinal)];
        var fast = new TranscriptLineFormatter(format);
        Assert.Equal(template, fast.Template);
        var reference = new MessageTemplateTextFormatter(template, CultureInfo.InvariantCulture);
        var events = new Collector();
        using (var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(events).CreateLogger())
        {
            var session = logger.ForContext("SessionId", "s1");
            var line = session.ForContext("Direction", "client>tap");
            line.Information("{Line:l}", "MAIL FROM:<a@example.com> SIZE=10240");
            line.Information("{Line:l}", string.Empty);
            line.Information("{Line:l}", "caf\u00e9 \\x00 {braces} {{x}}");
            session.ForContext("Direction", "tap").Warning("WARNING: {Line:l}", "something");
            session.ForContext("Direction", "tap").Information("Message {MessageNumber}: {HeaderLines} header lines{BodyNote:l}", 3, 5L, " (body not shown)");
            session.ForContext("Direction", "tap").Information("{AuthVerdict:l} and {Quoted}", "verdict", "quoted");
            session.ForContext("Direction", "tap").Information("literal {{braces}} {Line:l}", "x");
            logger.ForContext("SessionId", "a-much-longer-session-id").ForContext("Direction", "server>tap-long").Information("{Line:l}", "250 OK");
            logger.ForContext("SessionId", 42).ForContext("Direction", "tap").Information("{Line:l}", "numeric session");
            logger.Information("Listening on {Listener:l} ({Mode:l})", "smtp://127.0.0.1:2525", "plain");
            logger.ForContext("SessionId", "cap").Information("{Line:l}", "no direction");
            line.Information("{Line,-20:l}|", "aligned");
            line.Information("{Line}", "quoted string");
        }

        Assert.Equal(13, events.Events.Count);
        foreach (var e in events.Events)
        {
            Assert.Equal(Render(reference, e), Render(fast, e));
        }
    }

    private static string Render(Serilog.Formatting.ITextFormatter formatter, LogEvent e)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(e, writer);
        return writer.ToString();
    }

    private sealed class Collector : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
