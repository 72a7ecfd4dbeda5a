using System.Net;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.Tests.Relay;

/// <summary>
/// Playbooks of <c>--inject-auth</c>'s protocol decisions (no sockets): when the tap authenticates, what a client that is
/// not on this machine gets, what every failure answers and says in the transcript, and what a client's own AUTH gets.
/// </summary>
public sealed class InjectAuthPolicyTests
{
    private static readonly BridgeDecision s_token = BridgeDecision.Bridged("crm", "XOAUTH2", "dXNlcj1h", "from cache, expires 14:03:10Z", "crm@contoso.example");

    private static InjectAuthPolicy Local() => new("crm", clientAdmitted: true, "the client 127.0.0.1");

    [Fact]
    public void FirstMail_AfterEhlo_GetsCredentials_Authenticates_235_ThenEveryMailIsRelayed()
    {
        var policy = Local();
        Assert.Equal(InjectActionKind.GetCredentials, policy.OnMail(ehloSent: true, upstreamMayCarryCredentials: true).Kind);
        Assert.Equal(InjectActionKind.Authenticate, policy.OnCredentials(s_token).Kind);
        Assert.Equal(InjectActionKind.Relay, policy.OnServerVerdict(SmtpReply.Single(235, "2.7.0 Authentication successful")).Kind);
        Assert.True(policy.Authenticated);
        Assert.Equal(InjectActionKind.Relay, policy.OnMail(ehloSent: true, upstreamMayCarryCredentials: true).Kind);
    }

    [Fact]
    public void NoEhloYet_TheTapGreetsFirst_ThenGetsCredentials()
    {
        var policy = Local();
        Assert.Equal(InjectActionKind.Greet, policy.OnMail(ehloSent: false, upstreamMayCarryCredentials: true).Kind);
        Assert.Equal(InjectActionKind.GetCredentials, policy.OnGreeted(SmtpReply.Single(250, "mx.example")).Kind);
    }

    [Fact]
    public void TapsEhloRefused_454_NamingTheStep()
    {
        var action = Local().OnGreeted(SmtpReply.Single(502, "5.5.2 EHLO not implemented"));
        Assert.Equal(454, action.Reply!.Code);
        Assert.Contains("at step 'greeting the server with EHLO': the server answered 502", action.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteClient_530AtMail_NothingAskedNorSent_TranscriptSaysWhyAndTheFix()
    {
        var policy = new InjectAuthPolicy("crm", clientAdmitted: false, "the client 192.0.2.7");
        var action = policy.OnMail(ehloSent: true, upstreamMayCarryCredentials: true);
        Assert.Equal(InjectActionKind.Refuse, action.Kind);
        Assert.Equal("530 5.7.0 Authentication required (smtptap: --inject-auth serves only clients on this machine)", action.Reply!.Code + " " + action.Reply.FirstLine);
        Assert.Contains("the client 192.0.2.7 is not on loopback", action.Why, StringComparison.Ordinal);
        Assert.Contains("--inject-auth-allow-remote", action.Why, StringComparison.Ordinal);
        Assert.False(policy.Authenticated);
    }

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("192.0.2.7", false, false)]
    [InlineData("192.0.2.7", true, true)]
    public void Admission_LoopbackOnly_UnlessAllowRemote(string address, bool allowRemote, bool admitted)
    {
        var options = new InjectAuthOptions { Injector = new NoInjector(), AllowRemote = allowRemote };
        Assert.Equal(admitted, InjectAuthPolicy.Admits(IPAddress.Parse(address), options));
    }

    [Fact]
    public void ClientsOwnAuth_503_AlreadyAuthenticatedByTheTap()
    {
        var action = Local().OnClientAuth();
        Assert.Equal(503, action.Reply!.Code);
        Assert.StartsWith("5.5.1 smtptap: already authenticated by the tap (account 'crm', --inject-auth)", action.Reply.FirstLine, StringComparison.Ordinal);
        Assert.Contains("the server never saw the client's AUTH", action.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void NoToken_454_TranscriptNamesTheStepAndTheFixingCommand()
    {
        var failed = BridgeDecision.Failed("crm", "getting an access token from the identity provider", "invalid_grant: the refresh token was revoked", "smtptap account login crm");
        var action = Local().OnCredentials(failed);
        Assert.Equal(454, action.Reply!.Code);
        Assert.StartsWith("4.7.0 ", action.Reply.FirstLine, StringComparison.Ordinal);
        Assert.Equal("AUTH injection failed for account 'crm' at step 'getting an access token from the identity provider': invalid_grant: the refresh token was revoked; MAIL not relayed; fix: smtptap account login crm", action.Why);
    }

    [Fact]
    public void AppPasswordReplacedWhileRunning_454_FixIsARestartWithTheNewOne()
    {
        var action = Local().OnCredentials(BridgeDecision.WrongPassword("crm"));
        Assert.Equal(454, action.Reply!.Code);
        Assert.Contains("at step 'opening the account': the app password given at start no longer opens it", action.Why, StringComparison.Ordinal);
        Assert.Contains("restart the tap with the current app password", action.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerRefusesTheTapsAuth_454_AndTheNextMailTriesAgain()
    {
        var policy = Local();
        policy.OnMail(ehloSent: true, upstreamMayCarryCredentials: true);
        policy.OnCredentials(s_token);
        var refused = policy.OnServerVerdict(SmtpReply.Single(535, "5.7.3 Authentication unsuccessful"));
        Assert.Equal(454, refused.Reply!.Code);
        Assert.Contains("the server refused XOAUTH2 with 535 5.7.3 Authentication unsuccessful", refused.Why, StringComparison.Ordinal);
        Assert.Contains("smtptap account test crm", refused.Why, StringComparison.Ordinal);
        Assert.Equal(InjectActionKind.GetCredentials, policy.OnMail(ehloSent: true, upstreamMayCarryCredentials: true).Kind);
    }

    [Fact]
    public void ServerNeverEndsTheExchange_Or_UpstreamLost_454()
    {
        var policy = Local();
        policy.OnCredentials(s_token);
        Assert.Contains("did not end the XOAUTH2 exchange", policy.OnServerVerdict(SmtpReply.Single(334, "")).Why, StringComparison.Ordinal);
        Assert.Contains("upstream connection was lost", policy.OnServerVerdict(null).Why, StringComparison.Ordinal);
        Assert.False(policy.Authenticated);
    }

    [Fact]
    public void PlaintextUpstreamToAnotherHost_454_CredentialsNeverSent()
    {
        var action = Local().OnMail(ehloSent: true, upstreamMayCarryCredentials: false);
        Assert.Equal(454, action.Reply!.Code);
        Assert.Contains("plaintext to a non-loopback host", action.Why, StringComparison.Ordinal);
        Assert.Contains("--allow-plain-auth", action.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void InjectedLine_NamesAccountMechanismAndTokenState_Or_TheStoredPassword()
    {
        Assert.Equal("AUTH injected: account crm -> server XOAUTH2, token for crm@contoso.example from cache, expires 14:03:10Z", InjectAuthPolicy.InjectedLine(s_token, "crm@contoso.example"));
        var password = BridgeDecision.BridgedWithPassword("scanner", "CRAM-MD5", "scan@contoso.example", "pw-canary");
        Assert.Equal("AUTH injected: account scanner -> server CRAM-MD5, stored password of account 'scanner'", InjectAuthPolicy.InjectedLine(password, "scan@contoso.example"));
    }

    private sealed class NoInjector : IAuthInjector
    {
        public string Account => "crm";

        public string User => "crm@contoso.example";

        public Task<BridgeDecision> GetAsync(IReadOnlyList<string> serverMechanisms, CancellationToken cancellationToken) => Task.FromResult(BridgeDecision.NotBridged);
    }
}
