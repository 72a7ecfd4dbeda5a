using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;
using Xunit;

namespace SmtpTap.Tests.Transcript;

/// <summary>The typed facts a transcript record carries for the web UI: what the tap did to a line, what a refusal means, each leg's certificate.</summary>
public sealed class TranscriptMarksTests
{
    [Fact]
    public void Lines_the_tap_sends_itself_are_marked_and_relayed_lines_are_not()
    {
        var (transcript, records, _) = New();

        transcript.Line(TranscriptDirection.ClientToTap, "EHLO a");
        transcript.Line(TranscriptDirection.TapToServer, "EHLO tap");
        transcript.Lines(TranscriptDirection.ServerToTap, SmtpReply.Single(250, "ok"));
        transcript.Lines(TranscriptDirection.TapToClient, SmtpReply.Single(502, "5.5.1 no"));

        Assert.Equal([TranscriptMark.None, TranscriptMark.TapSent, TranscriptMark.None, TranscriptMark.TapSent], records.Select(r => r.Mark));
    }

    [Fact]
    public void The_last_line_of_a_refusal_carries_its_explanation_and_the_server_text_is_not_copied_into_it()
    {
        var (transcript, records, _) = New();

        transcript.Lines(TranscriptDirection.ServerToTap, new SmtpReply(554, ["5.7.1 <bob@x.test>: Relay access denied", "see https://example.test/SECRETWORD"]));
        transcript.Lines(TranscriptDirection.ServerToTap, SmtpReply.Single(250, "2.1.5 Ok"));
        transcript.Lines(TranscriptDirection.ServerToTap, SmtpReply.Single(535, "5.7.8 Error: authentication failed"), ReplyContext.Auth);

        Assert.Null(records[0].Explanation);
        Assert.StartsWith("relay denied", records[1].Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETWORD", records[1].Explanation!, StringComparison.Ordinal);
        Assert.DoesNotContain("bob@x.test", records[1].Explanation!, StringComparison.Ordinal);
        Assert.Null(records[2].Explanation);
        Assert.Equal("the server rejected the user name or password", records[3].Explanation);
    }

    [Fact]
    public void A_capability_rewrite_marks_the_removed_changed_and_added_lines()
    {
        var server = new SmtpReply(250, ["mx.example", "PIPELINING", "SIZE 900000000", "STARTTLS", "AUTH PLAIN SCRAM-SHA-256-PLUS", "PIPE_CONNECT"]);
        var rewrite = EhloRewriter.Rewrite(server, new CapabilityPolicy { OfferStartTls = false, MaxMessageSize = 1000 });

        var (serverMarks, clientMarks) = EhloRewriter.Marks(server, rewrite.Reply);

        Assert.Equal(
            [TranscriptMark.None, TranscriptMark.None, TranscriptMark.CapabilityChanged, TranscriptMark.CapabilityRemoved, TranscriptMark.CapabilityChanged, TranscriptMark.CapabilityRemoved],
            serverMarks);
        Assert.Equal(["mx.example", "PIPELINING", "SIZE 1000", "AUTH PLAIN"], rewrite.Reply.Lines);
        Assert.Equal([TranscriptMark.None, TranscriptMark.None, TranscriptMark.CapabilityChanged, TranscriptMark.CapabilityChanged], clientMarks);

        var added = EhloRewriter.Rewrite(new SmtpReply(250, ["mx.example", "8BITMIME"]), new CapabilityPolicy { OfferStartTls = true });
        Assert.Equal([TranscriptMark.None, TranscriptMark.None, TranscriptMark.CapabilityAdded], EhloRewriter.Marks(new SmtpReply(250, ["mx.example", "8BITMIME"]), added.Reply).Client);
    }

    [Fact]
    public void A_certificate_event_carries_the_typed_leg_and_its_text_names_the_fingerprint()
    {
        var (transcript, records, events) = New();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = new CertificateRequest("CN=mx.example\u202E, O=Test", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var leg = TlsLegCertificate.Of(TlsLeg.Upstream, cert, "Tls13", "TLS_AES_128_GCM_SHA256", TlsTrust.NotTrusted, "rejected: host name does not match the certificate");
        transcript.Certificate(leg);

        var record = Assert.Single(records);
        Assert.Same(leg, record.Tls);
        Assert.Equal(TranscriptMark.Certificate, record.Mark);
        var sha = Convert.ToHexString(SHA256.HashData(cert.RawData));
        Assert.Equal(string.Join(':', Enumerable.Range(0, 32).Select(i => sha.Substring(i * 2, 2))), leg.Sha256);
        Assert.Equal("CN=mx.example\\u{202E}, O=Test", leg.Subject);
        Assert.Equal(
            "Certificate of the upstream leg: subject CN=mx.example\\u{202E}, O=Test, issuer CN=mx.example\\u{202E}, O=Test, valid 2026-01-01 00:00:00 UTC to 2027-01-01 00:00:00 UTC, SHA-256 "
            + leg.Sha256 + "; not-trusted: rejected: host name does not match the certificate",
            record.Text);
        var logged = Assert.Single(events);
        Assert.Equal(record.Text, logged.RenderMessage());
        Assert.Equal(leg.Sha256, ((ScalarValue)logged.Properties["Sha256"]).Value);
    }

    private static (SessionTranscript Transcript, List<TranscriptRecord> Records, List<LogEvent> Events) New()
    {
        var records = new List<TranscriptRecord>();
        var events = new List<LogEvent>();
        var logger = new LoggerConfiguration().WriteTo.Sink(new Collector(events)).CreateLogger();
        return (new SessionTranscript(logger, "s1", [new Recorder(records)]), records, events);
    }

    private sealed class Recorder(List<TranscriptRecord> records) : ITranscriptObserver
    {
        public void OnRecord(TranscriptRecord record) => records.Add(record);
    }

    private sealed class Collector(List<LogEvent> events) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Add(logEvent);
    }
}
