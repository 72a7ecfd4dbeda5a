using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

public sealed class CaptureAuthTests
{
    private static readonly Dictionary<string, string> s_credentials = new() { ["alice"] = "s3cret" };

    private static ProcessorHarness Greeted(bool checkCredentials = true, params string[] mechanisms)
    {
        var options = ProcessorHarness.Defaults() with
        {
            Credentials = checkCredentials ? s_credentials : null,
            AuthMechanisms = mechanisms.Length > 0 ? mechanisms : ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "NTLM"],
        };
        var harness = new ProcessorHarness(options);
        harness.Send("EHLO client");
        return harness;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Plain_WithInitialResponse_ChecksPassword()
    {
        var good = Greeted();
        Assert.Equal("235 2.7.0 Authentication successful", good.Reply("AUTH PLAIN " + B64("\0alice\0s3cret")));
        Assert.Equal("alice", good.State.AuthenticatedUser);

        var bad = Greeted();
        Assert.Equal("535 5.7.8 Error: authentication failed", bad.Reply("AUTH PLAIN " + B64("\0alice\0wrong")));
        Assert.False(bad.State.IsAuthenticated);
    }

    [Fact]
    public void Plain_WithoutInitialResponse_SendsEmptyChallenge()
    {
        var harness = Greeted();
        Assert.Equal("334 ", harness.Reply("AUTH PLAIN"));
        Assert.Equal(235, harness.Send(B64("authz\0alice\0s3cret")).Reply!.Code);
    }

    [Fact]
    public void Plain_WithoutCredentialTable_AcceptsAnyone()
    {
        var harness = Greeted(checkCredentials: false);
        Assert.Equal(235, harness.Send("AUTH PLAIN " + B64("\0bob\0whatever")).Reply!.Code);
        Assert.Equal("bob", harness.State.AuthenticatedUser);
    }

    [Fact]
    public void Login_TwoChallenges()
    {
        var harness = Greeted();
        Assert.Equal("334 VXNlcm5hbWU6", harness.Reply("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", harness.Reply(B64("alice")));
        Assert.Equal(235, harness.Send(B64("s3cret")).Reply!.Code);
    }

    [Fact]
    public void Login_WrongPassword_Fails()
    {
        var harness = Greeted();
        harness.Send("AUTH LOGIN " + B64("alice"));
        Assert.Equal(535, harness.Send(B64("nope")).Reply!.Code);
        Assert.Null(harness.State.PendingAuth);
    }

    [Fact]
    public void CramMd5_VerifiesHmacOverTheChallengeSent()
    {
        var harness = Greeted();
        var challengeReply = harness.Send("AUTH CRAM-MD5").Reply!;
        Assert.Equal(334, challengeReply.Code);
        var challenge = Encoding.ASCII.GetString(Convert.FromBase64String(challengeReply.Lines[0]));
        Assert.Matches(@"^<[0-9a-f]{16}\.\d+@capture\.smtptap\.local>$", challenge);

        var digest = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes("s3cret"), Encoding.ASCII.GetBytes(challenge)));
        Assert.Equal(235, harness.Send(B64("alice " + digest)).Reply!.Code);
    }

    [Fact]
    public void CramMd5_WrongDigest_Fails()
    {
        var harness = Greeted();
        harness.Send("AUTH CRAM-MD5");
        Assert.Equal(535, harness.Send(B64("alice " + new string('0', 32))).Reply!.Code);
    }

    [Fact]
    public void XOAuth2_GoodToken_Succeeds()
    {
        var harness = Greeted();
        Assert.Equal(235, harness.Send("AUTH XOAUTH2 " + B64("user=alice\u0001auth=Bearer s3cret\u0001\u0001")).Reply!.Code);
    }

    [Fact]
    public void XOAuth2_BadToken_SendsGoogleErrorThen535()
    {
        var harness = Greeted();

        var error = harness.Send("AUTH XOAUTH2 " + B64("user=alice\u0001auth=Bearer wrong\u0001\u0001")).Reply!;

        Assert.Equal(334, error.Code);
        Assert.Equal("""{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}""", Encoding.UTF8.GetString(Convert.FromBase64String(error.Lines[0])));
        Assert.StartsWith("535 5.7.8", harness.Reply(string.Empty), StringComparison.Ordinal);
        Assert.Null(harness.State.PendingAuth);
    }

    [Fact]
    public void Star_CancelsExchangeWith501()
    {
        var harness = Greeted();
        harness.Send("AUTH LOGIN");
        Assert.Equal("501 5.7.0 Authentication aborted", harness.Reply("*"));
        Assert.Null(harness.State.PendingAuth);
    }

    [Theory]
    [InlineData("AUTH PLAIN AGFsaWNl!")]
    [InlineData("AUTH PLAIN AGFsaWNlAHMzY3JldA=A")]
    [InlineData("AUTH PLAIN AGFs aWNl")]
    public void BadBase64_Gets501(string command)
    {
        Assert.StartsWith("501 5.5", Greeted().Reply(command), StringComparison.Ordinal);
    }

    [Fact]
    public void BadBase64_InResponse_EndsExchange()
    {
        var harness = Greeted();
        harness.Send("AUTH LOGIN");
        Assert.Equal("501 5.5.2 Error: invalid base64 data", harness.Reply("%%%%"));
        Assert.Null(harness.State.PendingAuth);
    }

    [Fact]
    public void SecondAuth_AfterSuccess_Gets503()
    {
        var harness = Greeted();
        harness.Send("AUTH PLAIN " + B64("\0alice\0s3cret"));
        Assert.Equal("503 5.5.1 Error: already authenticated", harness.Reply("AUTH PLAIN " + B64("\0alice\0s3cret")));
    }

    [Fact]
    public void Auth_DuringTransaction_Gets503()
    {
        var harness = Greeted();
        harness.Send("MAIL FROM:<a@b>");
        Assert.StartsWith("503 5.5.1", harness.Reply("AUTH PLAIN " + B64("\0alice\0s3cret")), StringComparison.Ordinal);
    }

    [Fact]
    public void Auth_UnknownOrUnlistedMechanism_Gets504()
    {
        var harness = Greeted(true, "PLAIN");
        Assert.Equal("504 5.5.4 Unrecognized authentication type", harness.Reply("AUTH LOGIN"));
        Assert.Equal("504 5.5.4 Unrecognized authentication type", harness.Reply("AUTH GSSAPI"));
    }

    [Fact]
    public void Auth_AfterHelo_Gets503()
    {
        var harness = new ProcessorHarness();
        harness.Send("HELO a");
        Assert.Equal("503 5.5.1 Error: send EHLO first", harness.Reply("AUTH PLAIN"));
    }

    [Fact]
    public void Ntlm_ValidV2Response_Succeeds_AndWrongPasswordFails()
    {
        foreach (var (password, expected) in new[] { ("s3cret", 235), ("wrong", 535) })
        {
            var harness = Greeted();
            var challenge = Convert.FromBase64String(harness.Send("AUTH NTLM " + Convert.ToBase64String(NtlmTestMessages.Negotiate())).Reply!.Lines[0]);
            Assert.Equal("NTLMSSP\0"u8.ToArray(), challenge[..8]);
            Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(challenge.AsSpan(8)));
            var serverChallenge = challenge.AsSpan(24, 8).ToArray();
            Assert.Equal(Enumerable.Repeat((byte)0x42, 8), serverChallenge);

            var type3 = NtlmTestMessages.Authenticate("alice", "CAPTURE", password, serverChallenge);
            Assert.Equal(expected, harness.Send(Convert.ToBase64String(type3)).Reply!.Code);
        }
    }

    [Fact]
    public void Ntlm_TruncatedOrLyingType3_FailsWithoutThrowing()
    {
        var harness = Greeted();
        harness.Send("AUTH NTLM " + Convert.ToBase64String(NtlmTestMessages.Negotiate()));
        var type3 = NtlmTestMessages.Authenticate("alice", "CAPTURE", "s3cret", new byte[8]);
        BinaryPrimitives.WriteUInt32LittleEndian(type3.AsSpan(24), 0xFFFFFFF0); // NT response offset far outside
        Assert.Equal(535, harness.Send(Convert.ToBase64String(type3)).Reply!.Code);
    }

    [Fact]
    public void NtlmAuthenticateMessage_RejectsOutOfBoundsFields()
    {
        var message = NtlmTestMessages.Authenticate("alice", "D", "p", new byte[8]);
        Assert.True(NtlmAuthenticateMessage.TryParse(message, out var parsed));
        Assert.Equal("alice", parsed.UserName);
        Assert.Equal("D", parsed.DomainName);

        for (var cut = 0; cut < message.Length; cut += 7)
        {
            _ = NtlmAuthenticateMessage.TryParse(message.AsSpan(0, cut), out _);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(36), 0xFFFF); // user name length past the end
        Assert.False(NtlmAuthenticateMessage.TryParse(message, out _));
    }

    [Theory]
    [InlineData("AUTH\tPLAIN\t{0}")]
    [InlineData(" AUTH PLAIN {0}")]
    [InlineData("\tauth  plain \t {0} \t")]
    public void Plain_InitialResponseAfterTabsOrRuns_IsReadAsPostfixReadsIt(string format)
    {
        var line = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, B64("\0alice\0s3cret"));
        Assert.Equal("235 2.7.0 Authentication successful", Greeted().Reply(line));
    }

    [Fact]
    public void Auth_WithTabSeparatedExtraWord_IsASyntaxError()
    {
        Assert.StartsWith("501 5.5.4 Syntax", Greeted().Reply("AUTH\tPLAIN\tAGFs\taWNl"), StringComparison.Ordinal);
    }
}
