using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Protocol;

public sealed class EhloRewriterTests
{
    private static readonly SmtpReply s_exchange = new(250,
    [
        "TY2PR06CA0028.outlook.office365.com Hello [81.111.157.146]",
        "SIZE 157286400",
        "PIPELINING",
        "AUTH LOGIN XOAUTH2 SCRAM-SHA-256 SCRAM-SHA-256-PLUS",
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "SMTPUTF8",
    ]);

    [Fact]
    public void Rewrite_PlainClientLeg_AddsStartTlsAndRemovesPlusMechanisms()
    {
        var result = EhloRewriter.Rewrite(s_exchange, new CapabilityPolicy { OfferStartTls = true });
        Assert.Contains("STARTTLS", result.Reply.Lines);
        Assert.Contains("AUTH LOGIN XOAUTH2 SCRAM-SHA-256", result.Reply.Lines);
        Assert.DoesNotContain(result.Reply.Lines, l => l.Contains("-PLUS", StringComparison.Ordinal));
        Assert.Contains(result.Changes, c => c.Contains("SCRAM-SHA-256-PLUS", StringComparison.Ordinal) && c.Contains("channel binding", StringComparison.Ordinal));
        Assert.Contains(result.Changes, c => c.Contains("added STARTTLS", StringComparison.Ordinal));
        Assert.Equal(["SIZE 157286400", "PIPELINING", "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8"], result.Reply.Lines.Where(l => !l.StartsWith("AUTH", StringComparison.Ordinal) && l != "STARTTLS").Skip(1));
    }

    [Fact]
    public void Rewrite_WithTheOAuth2Bridge_AddsPlainAndLoginNextToXOAuth2_AndSaysWhy()
    {
        var reply = new SmtpReply(250, ["mx", "AUTH LOGIN XOAUTH2", "8BITMIME"]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy { BridgeAuthMechanisms = ["PLAIN", "LOGIN"] });
        Assert.Equal(["mx", "AUTH LOGIN XOAUTH2 PLAIN", "8BITMIME"], result.Reply.Lines);
        Assert.Equal("added PLAIN to AUTH: the OAuth2 bridge (--oauth2) takes them from the client and authenticates upstream with OAuth2 or an account's stored password", Assert.Single(result.Changes));
    }

    [Fact]
    public void Rewrite_WithTheBridge_ServerOffersOnlyCramMd5_AddsPlainAndLogin_ForStoredPasswordTranslation()
    {
        var reply = new SmtpReply(250, ["mx", "AUTH CRAM-MD5"]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy { BridgeAuthMechanisms = ["PLAIN", "LOGIN"] });
        Assert.Equal(["mx", "AUTH CRAM-MD5 PLAIN LOGIN"], result.Reply.Lines);
    }

    [Theory]
    [InlineData("AUTH PLAIN LOGIN CRAM-MD5")]
    [InlineData("AUTH OAUTHBEARER PLAIN LOGIN")]
    [InlineData("AUTH GSSAPI NTLM")]
    public void Rewrite_WithTheOAuth2Bridge_NoTranslatableMechanismOrNothingMissing_Unchanged(string auth)
    {
        var reply = new SmtpReply(250, ["mx", auth]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy { BridgeAuthMechanisms = ["PLAIN", "LOGIN"] });
        Assert.False(result.Changed);
    }

    [Fact]
    public void Rewrite_TlsClientLeg_RemovesServersStartTls()
    {
        var reply = new SmtpReply(250, ["mx", "STARTTLS", "8BITMIME"]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy { OfferStartTls = false });
        Assert.Equal(["mx", "8BITMIME"], result.Reply.Lines);
        Assert.Single(result.Changes);
    }

    [Fact]
    public void Rewrite_AuthHidden_RemovesAuthWithReason()
    {
        var reply = new SmtpReply(250, ["mx", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN", "8BITMIME"]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy { Auth = AuthAdvertisement.Hide, AuthHiddenReason = "STARTTLS first" });
        Assert.Equal(["mx", "8BITMIME"], result.Reply.Lines);
        Assert.All(result.Changes, c => Assert.Contains("STARTTLS first", c, StringComparison.Ordinal));
    }

    [Fact]
    public void Rewrite_NothingToChange_ReturnsSameReplyAndNoChanges()
    {
        var reply = new SmtpReply(250, ["mx", "8BITMIME", "AUTH PLAIN"]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy());
        Assert.False(result.Changed);
        Assert.Same(reply, result.Reply);
    }

    [Fact]
    public void Rewrite_PipeConnectAndRequireTls_Removed()
    {
        var reply = new SmtpReply(250, ["mx", "PIPE_CONNECT", "REQUIRETLS"]);
        var result = EhloRewriter.Rewrite(reply, new CapabilityPolicy());
        Assert.Equal(["mx"], result.Reply.Lines);
        var kept = EhloRewriter.Rewrite(reply, new CapabilityPolicy { AllowRequireTls = true });
        Assert.Contains("REQUIRETLS", kept.Reply.Lines);
    }

    [Fact]
    public void Rewrite_ErrorReply_Untouched()
    {
        var reply = SmtpReply.Single(502, "5.5.2 EHLO not supported");
        Assert.Same(reply, EhloRewriter.Rewrite(reply, new CapabilityPolicy { OfferStartTls = true }).Reply);
    }

    [Fact]
    public void AuthMechanisms_ReadsServerList()
    {
        Assert.Equal(["LOGIN", "XOAUTH2", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"], EhloRewriter.AuthMechanisms(s_exchange));
        Assert.True(EhloRewriter.HasKeyword(s_exchange, "CHUNKING"));
        Assert.False(EhloRewriter.HasKeyword(s_exchange, "STARTTLS"));
    }
}
