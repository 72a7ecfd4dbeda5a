using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.Transcript;

/// <summary>No object that carries AUTH traffic through the tap prints a secret from ToString() or from exception text.</summary>
public sealed class ToStringCanaryTests
{
    private const string Secret = "Cn4ry-ToString-7b1e5f0c2a9d";

    public static TheoryData<string> Mechanisms() => new() { "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-256", "DIGEST-MD5", "NTLM", "GSSAPI", "X-UNKNOWN" };

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public void DescriberAndRelayTypes_ToStringNeverHoldsTheSecret(string mechanism)
    {
        var payload = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + Secret)));
        var describer = SaslDescriberFactory.Create(mechanism, new SaslMaskOptions());
        var first = mechanism == "LOGIN" ? Encoding.ASCII.GetBytes(Convert.ToBase64String("alice"u8.ToArray())) : payload;
        var second = mechanism == "LOGIN" ? Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret))) : payload;
        var shown = describer.DescribeClient(first, isInitialResponse: true) + describer.DescribeClient(second, isInitialResponse: false);
        var echo = new SmtpReply(501, ["5.5.2 cannot decode " + Encoding.ASCII.GetString(payload)]);
        var read = new ReplyRead(echo, Encoding.ASCII.GetBytes(echo.ToWireString()), BufferedAfter: 0);
        var pending = new PendingCommand(PendingKind.AuthResponse);
        pending.Complete(echo);
        var everything = string.Join('\n', shown, describer.ToString(), read.ToString(), pending.ToString(), new PendingReplies().ToString(), new PeerProtocolException("malformed reply from the server: reply code is not followed by a space or a hyphen").ToString());
        SecretCanary.AssertAbsent(Secret, everything);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    [InlineData("CRAM-MD5")]
    public void TheTapsOwnAuth_DecisionDialogLinesAndInjectActions_NeverHoldTheStoredPassword(string mechanism)
    {
        var decision = BridgeDecision.BridgedWithPassword("scanner", mechanism, "alice@example.org", Secret);
        var dialog = new UpstreamAuthDialog(decision, new SaslMaskOptions());
        var lines = new List<string> { dialog.Start().ToString(), dialog.Start().Shown };
        foreach (var challenge in new[] { "VXNlcm5hbWU6", "UGFzc3dvcmQ6", "" })
        {
            if (dialog.Answer(SmtpReply.Single(334, challenge)) is { } line)
            {
                lines.Add(line.ToString());
            }
        }

        var policy = new InjectAuthPolicy("scanner", clientAdmitted: true, "the client 127.0.0.1");
        policy.OnCredentials(decision);
        var actions = string.Join('\n', policy.OnServerVerdict(SmtpReply.Single(535, "5.7.8 no")).ToString(), InjectAuthPolicy.InjectedLine(decision, "alice@example.org"));
        SecretCanary.AssertAbsent(Secret, string.Join('\n', lines) + decision + dialog + actions);
    }
}
