using Serilog;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Tests.Relay;

public sealed class MessageDraftTests
{
    private sealed class Messages : ITranscriptObserver, IRelayedMessageObserver
    {
        public List<RelayedMessage> Heard { get; } = [];

        public void OnRecord(TranscriptRecord record)
        {
        }

        public void OnMessage(RelayedMessage message) => Heard.Add(message);
    }

    private static (MessageEnvelope Envelope, PendingReplies Pending, SessionTranscript Transcript, Messages Observer) Session()
    {
        var observer = new Messages();
        return (new MessageEnvelope(), new PendingReplies(), new SessionTranscript(new LoggerConfiguration().CreateLogger(), "s0042", [observer]), observer);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheRecordIsPublishedOnce_WhenBothTheVerdictAndTheStoredCopyAreKnown_InEitherOrder(bool verdictFirst)
    {
        var (envelope, pending, transcript, observer) = Session();
        var mail = pending.Add(PendingKind.Other);
        envelope.Mail("MAIL FROM:<a@example.test> SIZE=10", mail);
        var ok = pending.Add(PendingKind.Other);
        envelope.Rcpt("RCPT TO:<b@example.test>", ok);
        var refused = pending.Add(PendingKind.Other);
        envelope.Rcpt("RCPT TO:<nobody@example.test>", refused);
        pending.CompleteHead(SmtpReply.Single(250, "2.1.0 Ok"));
        pending.CompleteHead(SmtpReply.Single(250, "2.1.5 Ok"));
        refused.ReplyAsShown = SmtpReply.Single(550, "5.1.1 ******** unknown");
        pending.CompleteHead(SmtpReply.Single(550, "5.1.1 secret unknown"));
        var draft = envelope.TakeDraft(transcript, chunked: false);

        if (verdictFirst)
        {
            draft.Verdict(SmtpReply.Single(250, "2.0.0 Ok: queued"));
            Assert.Empty(observer.Heard);
            draft.Stored(3, "/copies/m.eml", 1234);
        }
        else
        {
            draft.Stored(3, "/copies/m.eml", 1234);
            Assert.Empty(observer.Heard);
            draft.Verdict(SmtpReply.Single(250, "2.0.0 Ok: queued"));
        }

        draft.Verdict(SmtpReply.Single(250, "2.0.0 Ok: queued"));
        var message = Assert.Single(observer.Heard);
        Assert.Equal(("s0042", 3, "/copies/m.eml", false, 1234L), (message.SessionId, message.Number, message.FilePath, message.Chunked, message.Size));
        Assert.Equal("a@example.test", message.MailFrom!.Address);
        Assert.Equal("250 2.1.0 Ok", message.MailFrom.Reply!.Text);
        Assert.Equal(["b@example.test", "nobody@example.test"], message.Recipients.Select(r => r.Address));
        Assert.True(message.Recipients[0].Reply!.Accepted);
        Assert.Equal("550 5.1.1 ******** unknown", message.Recipients[1].Reply!.Text);
        Assert.Equal("250 2.0.0 Ok: queued", message.Verdict.Text);
    }

    [Fact]
    public void TakingTheDraft_EndsTheTransaction_AndRsetForgetsIt()
    {
        var (envelope, pending, transcript, _) = Session();
        envelope.Mail("MAIL FROM:<a@example.test>", pending.Add(PendingKind.Other));
        envelope.Rcpt("RCPT TO:<b@example.test>", pending.Add(PendingKind.Other));
        envelope.TakeDraft(transcript, chunked: true).Stored(1, null, 10);

        var observer = new Messages();
        var next = envelope.TakeDraft(new SessionTranscript(new LoggerConfiguration().CreateLogger(), "s0042", [observer]), chunked: true);
        next.Stored(2, null, 20);
        next.Verdict(SmtpReply.Single(250, "ok"));

        var message = Assert.Single(observer.Heard);
        Assert.Null(message.MailFrom);
        Assert.Empty(message.Recipients);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@example.test> SIZE=10", "a@example.test")]
    [InlineData("rcpt to: <B@Example.Test>", "B@Example.Test")]
    [InlineData("MAIL FROM:<>", "")]
    [InlineData("RCPT TO:bare@example.test NOTIFY=NEVER", "bare@example.test")]
    [InlineData("RCPT TO:<unclosed@example.test", "unclosed@example.test")]
    public void EnvelopeAddress_IsThePathWithoutBrackets(string line, string address) => Assert.Equal(address, EnvelopeAddress.Of(line));
}
