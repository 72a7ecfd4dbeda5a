using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;
using SmtpTap.Probe;
using Xunit;

namespace SmtpTap.Tests.Protocol;

/// <summary>One reading of SMTP replies for probe and the web UI: relay, credentials, basic auth off, TLS.</summary>
public sealed class ReplyExplainerTests
{
    [Theory]
    [InlineData(554, "5.7.1 <bob@partner.test>: Relay access denied", "relay denied")]
    [InlineData(550, "5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "relay denied")]
    [InlineData(550, "5.7.1 Sender address rejected: not owned by user", "not authorised")]
    [InlineData(535, "5.7.8 Error: authentication failed", "rejected the credentials")]
    [InlineData(535, "5.7.3 Authentication unsuccessful", "rejected the credentials")]
    [InlineData(550, "5.7.30 Basic authentication is not supported for Client Submission", "basic authentication is not supported")]
    [InlineData(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled", "SMTP AUTH is disabled")]
    [InlineData(454, "4.7.0 TLS not available due to local problem", "TLS is not available")]
    [InlineData(553, "5.6.7 Must declare SMTPUTF8 to send unicode address", "needs SMTPUTF8")]
    [InlineData(550, "5.1.1 <nobody@example.test>: Recipient address rejected: User unknown", "does not exist")]
    [InlineData(451, "try again", "temporary failure")]
    public void Refusals_are_explained(int code, string text, string expected) =>
        Assert.Contains(expected, ReplyExplainer.Explain(SmtpReply.Single(code, text)), StringComparison.Ordinal);

    [Theory]
    [InlineData(250, "2.1.5 Ok")]
    [InlineData(354, "End data with <CR><LF>.<CR><LF>")]
    [InlineData(334, "VXNlcm5hbWU6")]
    public void Positive_and_intermediate_replies_have_nothing_to_add(int code, string text) =>
        Assert.Null(ReplyExplainer.Explain(SmtpReply.Single(code, text)));

    [Fact]
    public void The_server_text_is_never_copied()
    {
        var explanation = ReplyExplainer.Explain(SmtpReply.Single(550, "5.7.1 cGFzc3dvcmQ= <script>x</script> relay"))!;
        Assert.DoesNotContain("cGFzc3dvcmQ=", explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Auth_verdicts_and_the_probe_relay_test_read_replies_through_the_same_explainer()
    {
        var refused = SmtpReply.Single(535, "5.7.139 Authentication unsuccessful");
        Assert.EndsWith("— " + ReplyExplainer.Explain(refused, ReplyContext.Auth), AuthReplyExplainer.Explain(refused), StringComparison.Ordinal);
        Assert.Equal("authentication succeeded", ReplyExplainer.Explain(SmtpReply.Single(235, "2.7.0 ok"), ReplyContext.Auth));

        var relay = SmtpReply.Single(554, "5.7.1 Relay access denied");
        Assert.True(RelayClassifier.IsRelayDenial(relay));
        Assert.Equal(ReplyExplainer.IsRelayDenial(relay), RelayClassifier.IsRelayDenial(relay));
    }

    [Fact]
    public void The_probe_says_what_a_refused_message_means()
    {
        var report = new ProbeReport
        {
            Target = "smtp://mx.example:25",
            Message = new MessageReport { Stage = "RCPT TO", Reply = "550 5.1.1 User unknown", Explanation = ReplyExplainer.Explain(SmtpReply.Single(550, "5.1.1 User unknown")) },
        };

        var finding = Assert.Single(ProbeFindings.From(report, "mx.example", strictExpiry: false), f => f.Area == "message");
        Assert.Equal("message refused at RCPT TO: 550 5.1.1 User unknown — the recipient's mailbox does not exist", finding.Text);
    }
}
