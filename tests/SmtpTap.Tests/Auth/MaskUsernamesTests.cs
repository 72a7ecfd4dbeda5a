using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class MaskUsernamesTests
{
    private const string User = "CANARY-user-q9";

    [Fact]
    public void Plain_MaskUsernames_HidesUserAndAuthzid()
    {
        var text = Create("PLAIN", Masked).Client(B64($"{User}-admin\0{User}\0pw-secret"), true);

        Assert.Equal("******** [authzid=********, user=********, password=********]", text);
        SecretCanary.AssertAbsent(User, text);
    }

    [Fact]
    public void Login_MaskUsernames_HidesUser()
    {
        var text = Create("LOGIN", Masked).Client(B64(User));

        Assert.Equal("******** [user=********]", text);
        SecretCanary.AssertAbsent(User, text);
    }

    [Fact]
    public void CramMd5_MaskUsernames_HidesUser()
    {
        var text = Create("CRAM-MD5", Masked).Client(B64(User + " b913a602c7eda7a495b4e6e7334d3890"));

        Assert.Equal("******** [user=********, digest=********]", text);
    }

    [Fact]
    public void XOAuth2_MaskUsernames_HidesUser()
    {
        var text = Create("XOAUTH2", Masked).Client(B64($"user={User}\u0001auth=Bearer tok\u0001\u0001"));

        Assert.Equal("******** [user=********, token=********]", text);
        SecretCanary.AssertAbsent(User, text);
    }

    [Fact]
    public void OAuthBearerAndScram_MaskUsernames_HideAuthzidAndUser()
    {
        var bearer = Create("OAUTHBEARER", Masked).Client(B64($"n,a={User},\u0001auth=Bearer tok\u0001\u0001"));
        var scram = Create("SCRAM-SHA-256", Masked).Client(B64($"n,a={User},n={User},r=abc"));

        SecretCanary.AssertAbsent(User, bearer + scram);
        Assert.Contains("authzid=********", bearer, StringComparison.Ordinal);
        Assert.Contains("user=********", scram, StringComparison.Ordinal);
    }

    [Fact]
    public void DigestMd5_MaskUsernames_HidesUserRealmAndNoRawEcho()
    {
        var d = Create("DIGEST-MD5", Masked);

        var challenge = d.Server(B64($"realm=\"{User}.example\",nonce=\"n\",qop=\"auth\""));
        var client = d.Client(B64($"username=\"{User}\",realm=\"{User}.example\",nonce=\"n\",response=00"));

        SecretCanary.AssertAbsent(User, challenge + client);
        Assert.StartsWith("******** [realm=********", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public void Ntlm_MaskUsernames_HidesUserDomainWorkstationAndTargetNames()
    {
        var d = Create("NTLM", Masked);

        var type2 = d.Server(B64(NtlmTestMessages.Challenge));
        var type3 = d.Client(B64(NtlmTestMessages.Authenticate(
            NtlmTestMessages.V2Flags, new byte[24], NtlmTestMessages.NtV2Response(), "CANARY-dom", "CANARY-usr", "CANARY-ws", [], withVersionAndMic: false)));

        Assert.Contains("domain=********, user=********, workstation=********", type3, StringComparison.Ordinal);
        Assert.Contains("target name=********", type2, StringComparison.Ordinal);
        Assert.Contains("NbDomainName=********, NbComputerName=********", type2, StringComparison.Ordinal);
        SecretCanary.AssertAbsent("Server", type2);
        foreach (var name in new[] { "CANARY-dom", "CANARY-usr", "CANARY-ws" })
        {
            SecretCanary.AssertAbsent(name, type3);
        }
    }
}
