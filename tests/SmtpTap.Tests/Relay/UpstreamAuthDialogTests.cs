using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;
using SmtpTap.Tests.Capture;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.Relay;

/// <summary>
/// Playbooks of the tap's own upstream AUTH (mechanism translation, --inject-auth, the OAuth2 bridge): the pure dialog
/// talks to the capture server's pure command processor (the real server-side PLAIN, LOGIN and CRAM-MD5 checks), with no
/// socket. Each playbook lists what the transcript shows, which never holds the password.
/// </summary>
public sealed class UpstreamAuthDialogTests
{
    private const string User = "scanner@contoso.example";
    private const string Password = "server-password-canary-3f9d0b";

    private static ProcessorHarness Server(params string[] mechanisms)
    {
        var harness = new ProcessorHarness(ProcessorHarness.Defaults() with
        {
            Credentials = new Dictionary<string, string> { [User] = Password },
            AuthMechanisms = mechanisms,
        });
        harness.Send("EHLO tap");
        return harness;
    }

    /// <summary>Runs the dialog against the server until a final reply; returns the shown lines and that reply.</summary>
    private static (List<string> Shown, SmtpReply Final) Play(UpstreamAuthDialog dialog, ProcessorHarness server)
    {
        var shown = new List<string>();
        var line = dialog.Start();
        while (true)
        {
            shown.Add(line.Shown);
            var reply = server.Send(Encoding.UTF8.GetString(line.Wire).TrimEnd('\r', '\n')).Reply!;
            if (reply.Code != 334)
            {
                return (shown, reply);
            }

            line = dialog.Answer(reply) ?? throw new InvalidOperationException("stuck");
        }
    }

    private static UpstreamAuthDialog PasswordDialog(string mechanism, string password = Password) =>
        new(BridgeDecision.BridgedWithPassword("scanner", mechanism, User, password), SaslMaskOptions.Default);

    [Fact]
    public void Plain_InitialResponse_ServerAccepts()
    {
        var server = Server("PLAIN");
        var (shown, final) = Play(PasswordDialog("PLAIN"), server);
        Assert.Equal(["AUTH PLAIN ********"], shown);
        Assert.Equal(235, final.Code);
        Assert.Equal(User, server.State.AuthenticatedUser);
    }

    [Fact]
    public void Login_TapAnswersBothPrompts_ServerAccepts()
    {
        var server = Server("LOGIN");
        var (shown, final) = Play(PasswordDialog("LOGIN"), server);
        Assert.Equal(["AUTH LOGIN", "******** [user=" + User + "]", "******** [password]"], shown);
        Assert.Equal(235, final.Code);
    }

    [Fact]
    public void CramMd5_DigestOverTheServersChallenge_ServerAccepts()
    {
        var server = Server("CRAM-MD5");
        var (shown, final) = Play(PasswordDialog("CRAM-MD5"), server);
        Assert.Equal(["AUTH CRAM-MD5", "******** [user=" + User + ", digest]"], shown);
        Assert.Equal(235, final.Code);
        Assert.Equal(User, server.State.AuthenticatedUser);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    [InlineData("CRAM-MD5")]
    public void WrongStoredPassword_ServerRefuses_NoSecretShown(string mechanism)
    {
        var server = Server(mechanism);
        var (shown, final) = Play(PasswordDialog(mechanism, "not-the-password"), server);
        Assert.Equal(535, final.Code);
        Assert.False(server.State.IsAuthenticated);
        var all = string.Join("\n", shown);
        Assert.DoesNotContain("not-the-password", all, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(Password, all);
    }

    [Fact]
    public void MaskUsernames_HidesTheUserInTheShownLines()
    {
        var dialog = new UpstreamAuthDialog(BridgeDecision.BridgedWithPassword("scanner", "LOGIN", User, Password), new SaslMaskOptions { MaskUsernames = true });
        dialog.Start();
        var user = dialog.Answer(SmtpReply.Single(334, "VXNlcm5hbWU6"))!;
        Assert.Equal("******** [user=********]", user.Shown);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(User)) + "\r\n", Encoding.ASCII.GetString(user.Wire));
    }

    [Fact]
    public void XOAuth2_RefusedTokensErrorChallenge_EmptyLine_ThenCancel_ThenStuck()
    {
        var dialog = new UpstreamAuthDialog(BridgeDecision.Bridged("crm", "XOAUTH2", "dXNlcj1h", "from cache"), SaslMaskOptions.Default);
        Assert.Equal("AUTH XOAUTH2 dXNlcj1h\r\n", Encoding.ASCII.GetString(dialog.Start().Wire));
        var end = dialog.Answer(SmtpReply.Single(334, "eyJzdGF0dXMiOiI0MDEifQ=="))!;
        Assert.Equal("\r\n", Encoding.ASCII.GetString(end.Wire));
        Assert.Equal("(empty line) [the tap ends the refused XOAUTH2 exchange]", end.Shown);
        var cancel = dialog.Answer(SmtpReply.Single(334, ""))!;
        Assert.Equal("*\r\n", Encoding.ASCII.GetString(cancel.Wire));
        Assert.True(dialog.Cancelled);
        Assert.Null(dialog.Answer(SmtpReply.Single(334, "")));
    }

    [Fact]
    public void OAuthBearer_RefusedTokensErrorChallenge_IsEndedWithCtrlA()
    {
        var dialog = new UpstreamAuthDialog(BridgeDecision.Bridged("crm", "OAUTHBEARER", "bixhPXU=", "from cache"), SaslMaskOptions.Default);
        Assert.Equal("AUTH OAUTHBEARER ********", dialog.Start().Shown);
        Assert.Equal("AQ==\r\n", Encoding.ASCII.GetString(dialog.Answer(SmtpReply.Single(334, "e30="))!.Wire));
    }

    [Fact]
    public void CramMd5_ChallengeNotBase64_IsCancelled()
    {
        var dialog = PasswordDialog("CRAM-MD5");
        dialog.Start();
        var answer = dialog.Answer(SmtpReply.Single(334, "not base64 at all!"))!;
        Assert.Equal("*\r\n", Encoding.ASCII.GetString(answer.Wire));
        Assert.Equal("* [the tap cancels the exchange]", answer.Shown);
    }

    [Fact]
    public void Login_ThirdPrompt_IsCancelled_NeverAnsweredWithTheSecretAgain()
    {
        var dialog = PasswordDialog("LOGIN");
        dialog.Start();
        dialog.Answer(SmtpReply.Single(334, "VXNlcm5hbWU6"));
        dialog.Answer(SmtpReply.Single(334, "UGFzc3dvcmQ6"));
        Assert.Equal("*\r\n", Encoding.ASCII.GetString(dialog.Answer(SmtpReply.Single(334, "UGFzc3dvcmQ6"))!.Wire));
    }

    [Fact]
    public void Decision_ToString_NeverShowsThePassword()
    {
        var decision = BridgeDecision.BridgedWithPassword("scanner", "PLAIN", User, Password);
        SecretCanary.AssertAbsent(Password, decision.ToString());
        Assert.True(decision.UsesStoredPassword);
        SecretCanary.AssertAbsent(Password, PasswordDialog("PLAIN").Start().ToString());
    }
}
