using SmtpTap.Core.Protocol;
using SmtpTap.Probe;

namespace SmtpTap.Tests.Probe;

public sealed class RelayClassifierTests
{
    private static readonly string[] s_server = ["mail.contoso.com", "mail.contoso.com", "mail.contoso.com"];

    [Theory]
    [InlineData(550, "5.7.1 Unable to relay")]
    [InlineData(554, "5.7.1 <x@elsewhere.example>: Relay access denied")]
    [InlineData(550, "5.7.54 SMTP; Unable to relay recipient in non-accepted domain")]
    [InlineData(454, "4.7.1 <x@elsewhere.example>: Relay access denied")]
    [InlineData(550, "relaying denied")]
    public void IsRelayDenial_RelayRefusals_True(int code, string text) =>
        Assert.True(RelayClassifier.IsRelayDenial(SmtpReply.Single(code, text)));

    [Theory]
    [InlineData(550, "5.1.1 User unknown")]
    [InlineData(250, "2.1.5 Relay OK")]
    [InlineData(452, "4.5.3 Too many recipients")]
    public void IsRelayDenial_OtherReplies_False(int code, string text) =>
        Assert.False(RelayClassifier.IsRelayDenial(SmtpReply.Single(code, text)));

    [Theory]
    [InlineData(false, nameof(RelayVerdict.DeniedWithoutAuth))]
    [InlineData(true, nameof(RelayVerdict.DeniedWithAuth))]
    public void Classify_RelayRefusal_DependsOnAuth(bool authenticated, string expected) =>
        Assert.Equal(Enum.Parse<RelayVerdict>(expected), RelayClassifier.Classify([("x@elsewhere.example", SmtpReply.Single(550, "5.7.1 Unable to relay"))], authenticated, s_server));

    [Fact]
    public void Classify_OutsideAcceptedWithoutAuth_IsOpenRelay() =>
        Assert.Equal(RelayVerdict.OpenRelay, RelayClassifier.Classify([("x@elsewhere.example", SmtpReply.Single(250, "2.1.5 OK"))], false, s_server));

    [Fact]
    public void Classify_LocalAcceptedWithoutAuth_IsAcceptedLocal() =>
        Assert.Equal(RelayVerdict.AcceptedLocal, RelayClassifier.Classify([("postmaster@contoso.com", SmtpReply.Single(250, "2.1.5 OK"))], false, s_server));

    [Fact]
    public void Classify_AcceptedWithAuth_IsAcceptedWithAuth() =>
        Assert.Equal(RelayVerdict.AcceptedWithAuth, RelayClassifier.Classify([("x@elsewhere.example", SmtpReply.Single(250, "2.1.5 OK"))], true, s_server));

    [Fact]
    public void Classify_UnknownUser_IsRejectedOther() =>
        Assert.Equal(RelayVerdict.RejectedOther, RelayClassifier.Classify([("nobody@contoso.com", SmtpReply.Single(550, "5.1.1 User unknown"))], false, s_server));

    [Theory]
    [InlineData("a@contoso.com", true)]
    [InlineData("a@CONTOSO.com", true)]
    [InlineData("a@mail.contoso.com", true)]
    [InlineData("a@elsewhere.example", false)]
    [InlineData("a@com", false)]
    public void LooksLocal_ComparesWithServerNames(string recipient, bool local) =>
        Assert.Equal(local, RelayClassifier.LooksLocal(recipient, s_server));

    [Fact]
    public void LooksLocal_IpOrLocalhostServer_OnlyExactMatch()
    {
        Assert.False(RelayClassifier.LooksLocal("a@example.test", ["127.0.0.1", "localhost"]));
        Assert.True(RelayClassifier.LooksLocal("a@localhost", ["127.0.0.1", "localhost"]));
    }

    [Fact]
    public void Describe_DeniedWithoutAuth_SaysItPlainly() =>
        Assert.Equal("the server does NOT relay for this sender/recipient without authentication (relay test passed)", RelayClassifier.Describe(RelayVerdict.DeniedWithoutAuth));

    [Fact]
    public void ExitCode_OpenRelayIsEight_RelayRefusedWithoutAuthIsZero()
    {
        var open = new ProbeReport { Target = "smtp://x", Message = new MessageReport { Accepted = true, RelayVerdict = RelayVerdict.OpenRelay } };
        var refused = new ProbeReport { Target = "smtp://x", Message = new MessageReport { Accepted = false, RelayVerdict = RelayVerdict.DeniedWithoutAuth } };
        Assert.Equal(8, ProbeExitCodes.For(open, strictExpiry: false));
        Assert.Equal(0, ProbeExitCodes.For(refused, strictExpiry: false));
    }
}
