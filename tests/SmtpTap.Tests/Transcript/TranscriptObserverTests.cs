using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;
using Xunit;

namespace SmtpTap.Tests.Transcript;

/// <summary>Every transcript line and tap event reaches the observers as a typed record, and Serilog's output does not change with them.</summary>
public sealed class TranscriptObserverTests
{
    [Fact]
    public void Observers_get_every_line_reply_warning_and_event_in_order_with_properties()
    {
        var observer = new Recorder();
        using var logger = new LoggerConfiguration().WriteTo.Sink(new Collector()).CreateLogger();
        var transcript = new SessionTranscript(logger, "s9", [observer]);

        transcript.Line(TranscriptDirection.ClientToTap, "EHLO client.example");
        transcript.Lines(TranscriptDirection.ServerToTap, new SmtpReply(250, ["first", "last"]));
        transcript.Warning("careful");
        transcript.Events.Information("Client {ClientEndPoint:l} connected to {Listener:l}", "127.0.0.1:5000", "smtp://127.0.0.1:2525");
        transcript.Events.Warning("WARNING: odd {Thing:l}", "thing");

        Assert.Collection(
            observer.Records,
            r => Assert.Equal((TranscriptDirection.ClientToTap, false, "EHLO client.example"), (r.Direction, r.IsWarning, r.Text)),
            r => Assert.Equal((TranscriptDirection.ServerToTap, "250-first"), (r.Direction, r.Text)),
            r => Assert.Equal((TranscriptDirection.ServerToTap, "250 last"), (r.Direction, r.Text)),
            r => Assert.Equal((TranscriptDirection.Event, true, "careful"), (r.Direction, r.IsWarning, r.Text)),
            r =>
            {
                Assert.Equal((TranscriptDirection.Event, false, "Client 127.0.0.1:5000 connected to smtp://127.0.0.1:2525"), (r.Direction, r.IsWarning, r.Text));
                Assert.Equal("127.0.0.1:5000", r.Properties!["ClientEndPoint"]);
            },
            r => Assert.Equal((TranscriptDirection.Event, true, "WARNING: odd thing"), (r.Direction, r.IsWarning, r.Text)));
        Assert.All(observer.Records, r => Assert.Equal("s9", r.SessionId));
    }

    [Fact]
    public void Serilog_output_is_the_same_with_and_without_observers()
    {
        var without = new Collector();
        var with = new Collector();
        using (var a = new LoggerConfiguration().Enrich.WithProperty("Extra", 1).WriteTo.Sink(without).CreateLogger())
        using (var b = new LoggerConfiguration().Enrich.WithProperty("Extra", 1).WriteTo.Sink(with).CreateLogger())
        {
            Write(new SessionTranscript(a, "7"));
            Write(new SessionTranscript(b, "7", [new Recorder()]));
        }

        Assert.Equal(without.Events.Count, with.Events.Count);
        var json = new RenderedCompactJsonFormatter();
        for (var i = 0; i < without.Events.Count; i++)
        {
            Assert.Equal(WithoutTime(Render(json, without.Events[i])), WithoutTime(Render(json, with.Events[i])));
            Assert.Equal(without.Events[i].MessageTemplate.Text, with.Events[i].MessageTemplate.Text);
            Assert.Equal(without.Events[i].Level, with.Events[i].Level);
        }

        static void Write(SessionTranscript t)
        {
            t.Line(TranscriptDirection.ClientToTap, "MAIL FROM:<a@example.com>");
            t.Lines(TranscriptDirection.ServerToTap, new SmtpReply(250, ["ok"]));
            t.Warning("careful");
            t.Events.Information("Connected to upstream {Upstream:l} ({RemoteEndPoint:l})", "smtp://x:25", "1.2.3.4:25");
            t.Events.Information("Message {MessageNumber}: {HeaderLines} header lines", 1, 12L);
            t.Events.Warning("WARNING: {What:l}", "w");
            t.Event(TranscriptMark.CapabilityRewrite, "Capabilities rewritten: {Change:l}", "removed PIPE_CONNECT: why");
            t.Certificate(new TlsLegCertificate(TlsLeg.Upstream, "Tls13", "TLS_AES_256_GCM_SHA384", "CN=mx", "CN=ca", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "AA:BB", TlsTrust.Trusted, "verified"));
        }
    }

    [Fact]
    public void Observers_see_lines_even_when_serilog_is_above_information()
    {
        var observer = new Recorder();
        var sink = new Collector();
        using var logger = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Sink(sink).CreateLogger();
        var transcript = new SessionTranscript(logger, "1", [observer]);

        transcript.Line(TranscriptDirection.ClientToTap, "QUIT");
        transcript.Events.Information("Session closed ({Outcome:l})", "Quit");

        Assert.Equal(2, observer.Records.Count);
        Assert.True(observer.Records[1].ClosesSession);
        Assert.Empty(sink.Events);
    }

    private static string Render(Serilog.Formatting.ITextFormatter formatter, LogEvent e)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(e, writer);
        return writer.ToString();
    }

    private static string WithoutTime(string json) => System.Text.RegularExpressions.Regex.Replace(json, "\"@t\":\"[^\"]*\"", "\"@t\":\"-\"");

    private sealed class Recorder : ITranscriptObserver
    {
        public List<TranscriptRecord> Records { get; } = [];

        public void OnRecord(TranscriptRecord record) => Records.Add(record);
    }

    private sealed class Collector : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
