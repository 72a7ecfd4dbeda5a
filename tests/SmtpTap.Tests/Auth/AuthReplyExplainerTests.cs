using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Auth;

public sealed class AuthReplyExplainerTests
{
    [Theory]
    [InlineData(235, "2.7.0 Authentication successful", "AUTH succeeded: 235 2.7.0 — authentication succeeded")]
    [InlineData(535, "5.7.8 Username and Password not accepted", "AUTH failed: 535 5.7.8 — the server rejected the user name or password")]
    [InlineData(535, "5.7.3 Authentication unsuccessful", "AUTH failed: 535 5.7.3 — the server rejected the user name or password (Exchange Online also answers this when SMTP AUTH is disabled for the mailbox)")]
    [InlineData(535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", "AUTH failed: 535 5.7.139 — Exchange Online: SMTP AUTH is disabled for the tenant, or security defaults / policy block basic authentication")]
    [InlineData(550, "5.7.30 Basic authentication is not supported for Client Submission.", "AUTH failed: 550 5.7.30 — basic authentication is not supported or has been disabled on this server")]
    [InlineData(504, "5.7.4 Unrecognized authentication type", "AUTH failed: 504 5.7.4 — the server does not accept this authentication mechanism")]
    [InlineData(504, "5.5.4 Unrecognized authentication type", "AUTH failed: 504 5.5.4 — the server does not accept this authentication mechanism")]
    [InlineData(534, "5.7.9 Application-specific password required.", "AUTH failed: 534 5.7.9 — Gmail: an app password or OAuth2 is required for this account")]
    [InlineData(538, "5.7.11 Encryption required for requested authentication mechanism", "AUTH failed: 538 5.7.11 — encryption (STARTTLS/TLS) is required for this authentication mechanism")]
    [InlineData(454, "4.7.0 Temporary authentication failure", "AUTH failed (temporary): 454 4.7.0 — temporary authentication failure: the server could not check the credentials right now; try again later")]
    [InlineData(432, "4.7.12 A password transition is needed", "AUTH failed (temporary): 432 4.7.12 — a password transition is needed: the user must change the password")]
    [InlineData(530, "5.7.0 Must issue a STARTTLS command first", "AUTH failed: 530 5.7.0 — the client must issue STARTTLS before AUTH")]
    [InlineData(530, "5.7.0 Authentication required", "AUTH failed: 530 5.7.0 — authentication required, or the server wants STARTTLS first")]
    [InlineData(501, "5.7.0 Authentication cancelled", "AUTH failed: 501 5.7.0 — the client cancelled the authentication exchange")]
    [InlineData(501, "5.5.2 Cannot decode response", "AUTH failed: 501 5.5.2 — syntax error in the AUTH command or response, or the exchange was cancelled")]
    [InlineData(503, "5.5.1 Already authenticated", "AUTH failed: 503 5.5.1 — AUTH not allowed now: already authenticated, or AUTH sent in the wrong state (e.g. before EHLO or during a mail transaction)")]
    [InlineData(421, "4.3.2 Service not available", "AUTH failed (temporary): 421 4.3.2 — temporary failure; the client may retry later")]
    [InlineData(554, "Transaction failed", "AUTH failed: 554 — permanent failure")]
    [InlineData(250, "ok", "AUTH succeeded: 250 — the server accepted")]
    public void Explain_KnownReplies(int code, string text, string expected)
    {
        Assert.Equal(expected, AuthReplyExplainer.Explain(SmtpReply.Single(code, text)));
    }

    [Fact]
    public void Explain_GmailWebLogin_MultiLine()
    {
        var reply = new SmtpReply(534, ["5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1> Please log in", "5.7.14 via your web browser and then try again."]);

        Assert.Equal("AUTH failed: 534 5.7.14 — Gmail: the account must sign in through a web browser first (or use an app password / OAuth2)", AuthReplyExplainer.Explain(reply));
    }

    [Fact]
    public void Explain_Intermediate_IsNull()
    {
        Assert.Null(AuthReplyExplainer.Explain(SmtpReply.Single(334, "VXNlcm5hbWU6")));
    }

    [Fact]
    public void Explain_NeverCopiesServerText()
    {
        var echo = "AGFsaWNlAENBTkFSWS1lY2hv";
        var text = AuthReplyExplainer.Explain(SmtpReply.Single(501, $"5.5.2 Cannot decode {echo}"));

        Assert.DoesNotContain(echo, text, StringComparison.Ordinal);
    }
}
