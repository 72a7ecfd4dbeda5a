using System.Buffers;
using System.Globalization;
using System.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using SmtpTap.Core.Relay;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Tests.Relay;

/// <summary>A message sent with BDAT shows the same header lines and body summary as the same message sent with DATA, wherever the chunks are cut.</summary>
public sealed class BdatMessageViewTests
{
    private const string Message = "Subject: chunked\r\nFrom: a@example.test\r\nX-Folded: one\r\n\ttwo\r\n\r\nfirst body line\r\n.second starts with a dot\r\n\r\nlast\r\n";

    [Fact]
    public void SameMessage_ShowsTheSameLinesAndSummaryAsData_ForEveryCutIntoTwoChunks()
    {
        var bytes = Encoding.ASCII.GetBytes(Message);
        var data = DataView(Message);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal(data, BdatView(bytes[..cut], bytes[cut..]));
        }
    }

    [Fact]
    public void OneOctetPerChunk_SameLinesAndSummary()
    {
        var bytes = Encoding.ASCII.GetBytes(Message);
        Assert.Equal(DataView(Message), BdatView([.. bytes.Select(b => new[] { b })]));
    }

    [Fact]
    public void HeaderLinesAndSummary_AreShown()
    {
        var lines = BdatView(Encoding.ASCII.GetBytes("Subj"), Encoding.ASCII.GetBytes("ect: hi\r"), Encoding.ASCII.GetBytes("\nFrom: a\r\n\r\nbody\r\n"));
        Assert.Equal(
            ["client>tap Subject: hi", "client>tap From: a", "client>tap ", "tap Message 1: 2 header lines, body 6 octets in 1 lines (body not shown; --show-body shows it)"],
            lines);
    }

    [Fact]
    public void BdatContent_IsNotDotStuffed_SoALeadingDotIsShown()
    {
        var lines = BdatView(Encoding.ASCII.GetBytes(".X-Dot: kept\r\n\r\n"));
        Assert.Equal("client>tap .X-Dot: kept", lines[0]);
    }

    [Fact]
    public void BareLfOrCr_DoesNotEndALine_AndIsShownEscaped()
    {
        var lines = BdatView(Encoding.ASCII.GetBytes("X-A: one\ntwo\rthree\r\n\r\n"));
        Assert.Equal("client>tap X-A: one\\ntwo\\rthree", lines[0]);
        Assert.Contains("1 header lines", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void OverLongLine_IsShownCutWithItsSize_AndCountedWhole()
    {
        var header = "X-Long: " + new string('x', 3000);
        var lines = BdatView(Encoding.ASCII.GetBytes(header + "\r\n\r\n" + new string('b', 5000) + "\r\n"));
        Assert.Equal("client>tap " + header[..100] + "… (line of 3010 octets)", lines[0]);
        Assert.Equal("tap Message 1: 1 header lines, body 5002 octets in 1 lines (body not shown; --show-body shows it)", lines[^1]);
    }

    [Fact]
    public void LastLineWithoutCrlf_IsCounted()
    {
        var lines = BdatView(Encoding.ASCII.GetBytes("Subject: s\r\n\r\nno line end"));
        Assert.Equal("tap Message 1: 1 header lines, body 11 octets in 1 lines (body not shown; --show-body shows it)", lines[^1]);
    }

    [Fact]
    public void ShowBody_BodyLinesAreShownToo()
    {
        var lines = BdatView(showBody: true, Encoding.ASCII.GetBytes("Subject: s\r\n\r\nvisible "), Encoding.ASCII.GetBytes("body\r\n"));
        Assert.Contains("client>tap visible body", lines);
    }

    /// <summary>The same message sent with DATA (dot-stuffed on the wire, as a client must).</summary>
    private static List<string> DataView(string message)
    {
        var sink = new Collector();
        using (var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger())
        {
            var view = new MessageView(new SessionTranscript(logger, "1"), showBody: false);
            foreach (var line in message.Split("\r\n")[..^1])
            {
                var stuffed = line.StartsWith('.') ? "." + line : line;
                view.Line(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(stuffed)));
            }

            view.Finish(1);
        }

        return [.. sink.Lines.Where(l => l != "client>tap .")];
    }

    private static List<string> BdatView(params byte[][] chunks) => BdatView(showBody: false, chunks);

    private static List<string> BdatView(bool showBody, params byte[][] chunks)
    {
        var sink = new Collector();
        using (var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger())
        {
            var view = new BdatMessageView(new SessionTranscript(logger, "1"), showBody, maxLine: 100);
            foreach (var chunk in chunks)
            {
                view.Feed(new ReadOnlySequence<byte>(chunk));
            }

            view.Finish(1);
        }

        return sink.Lines;
    }

    private sealed class Collector : ILogEventSink
    {
        public List<string> Lines { get; } = [];

        public void Emit(LogEvent logEvent) =>
            Lines.Add(logEvent.Properties[TranscriptDirectionNames.PropertyName].ToString().Trim('"') + " " + logEvent.RenderMessage(CultureInfo.InvariantCulture));
    }
}
