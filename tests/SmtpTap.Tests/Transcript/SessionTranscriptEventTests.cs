using System.Globalization;
using System.Text.RegularExpressions;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;
using Xunit;

namespace SmtpTap.Tests.Transcript;

/// <summary>The directly built transcript events are the ones the ForContext chain used to produce.</summary>
public sealed partial class SessionTranscriptEventTests
{
    [Fact]
    public void Lines_and_warnings_match_the_forcontext_events_in_json_and_text()
    {
        var fast = new Collector();
        var chain = new Collector();
        using (var fastLogger = new LoggerConfiguration().Enrich.WithProperty("Extra", 1).WriteTo.Sink(fast).CreateLogger())
        using (var chainLogger = new LoggerConfiguration().Enrich.WithProperty("Extra", 1).WriteTo.Sink(chain).CreateLogger())
        {
            var transcript = new SessionTranscript(fastLogger, "7");
            transcript.Line(TranscriptDirection.ClientToTap, "MAIL FROM:<a@example.com>");
            transcript.Lines(TranscriptDirection.ServerToTap, new SmtpReply(250, ["first", "second", "last"]));
            transcript.Line(TranscriptDirection.TapToServer, "EHLO tap");
            transcript.Line(TranscriptDirection.TapToClient, "{not a template}");
            transcript.Warning("careful");
            transcript.Line(TranscriptDirection.Event, "event line");

            var session = chainLogger.ForContext("SessionId", "7");
            ILogger For(TranscriptDirection d) => session.ForContext(TranscriptDirectionNames.PropertyName, TranscriptDirectionNames.Of(d));
            For(TranscriptDirection.ClientToTap).Information("{Line:l}", "MAIL FROM:<a@example.com>");
            For(TranscriptDirection.ServerToTap).Information("{Line:l}", "250-first");
            For(TranscriptDirection.ServerToTap).Information("{Line:l}", "250-second");
            For(TranscriptDirection.ServerToTap).Information("{Line:l}", "250 last");
            For(TranscriptDirection.TapToServer).Information("{Line:l}", "EHLO tap");
            For(TranscriptDirection.TapToClient).Information("{Line:l}", "{not a template}");
            For(TranscriptDirection.Event).Warning("WARNING: {Line:l}", "careful");
            For(TranscriptDirection.Event).Information("{Line:l}", "event line");
        }

        Assert.Equal(chain.Events.Count, fast.Events.Count);
        var json = new RenderedCompactJsonFormatter();
        for (var i = 0; i < chain.Events.Count; i++)
        {
            Assert.Equal(WithoutTime(Render(json, chain.Events[i])), WithoutTime(Render(json, fast.Events[i])));
            Assert.Equal(chain.Events[i].RenderMessage(CultureInfo.InvariantCulture), fast.Events[i].RenderMessage(CultureInfo.InvariantCulture));
            Assert.Equal(chain.Events[i].MessageTemplate.Text, fast.Events[i].MessageTemplate.Text);
        }
    }

    private static string Render(Serilog.Formatting.ITextFormatter formatter, LogEvent e)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(e, writer);
        return writer.ToString();
    }

    private static string WithoutTime(string json) => TimeStamp().Replace(json, "\"@t\":\"-\"");

    [GeneratedRegex("\"@t\":\"[^\"]*\"")]
    private static partial Regex TimeStamp();

    private sealed class Collector : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
