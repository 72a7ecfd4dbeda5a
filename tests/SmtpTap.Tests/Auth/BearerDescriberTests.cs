using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class BearerDescriberTests
{
    private const string Token = "ya29.CANARY-D24-token_abc";
    private const string GoogleError = "{\"status\":\"400\",\"schemes\":\"Bearer\",\"scope\":\"https://mail.google.com/\"}";

    [Fact]
    public void XOAuth2_ErrorPath_ShowsUserAndJsonMasksToken()
    {
        var d = Create("XOAUTH2");

        var initial = d.Client(B64($"user=u@x.example\u0001auth=Bearer {Token}\u0001\u0001"), initial: true);
        var challenge = d.Server(B64(GoogleError));
        var empty = d.Client("");

        Assert.Equal("******** [user=u@x.example, token=********]", initial);
        Assert.Equal($"{B64(GoogleError)} [error: {GoogleError}]", challenge);
        Assert.Equal("(empty response to error challenge)", empty);
        SecretCanary.AssertAbsent(Token, initial + challenge + empty);
    }

    [Fact]
    public void XOAuth2_UnknownKey_ValueMasked()
    {
        var text = Create("XOAUTH2").Client(B64($"user=u\u0001extra=CANARY-extra\u0001auth=Bearer {Token}\u0001\u0001"));

        Assert.Equal("******** [user=u, extra=********, token=********]", text);
        SecretCanary.AssertAbsent("CANARY-extra", text);
    }

    [Theory]
    [InlineData("user u auth Bearer x")]
    [InlineData("\u0001\u0001")]
    public void XOAuth2_Malformed_Masked(string payload)
    {
        Assert.Equal("******** [malformed XOAUTH2 response, masked]", Create("XOAUTH2").Client(B64(payload)));
    }

    [Fact]
    public void OAuthBearer_ErrorPath_ShowsAuthzidHostPortMasksToken()
    {
        var d = Create("OAUTHBEARER");
        const string error = "{\"status\":\"invalid_token\",\"scope\":\"mail\",\"openid-configuration\":\"https://idp.example/.well-known/openid-configuration\"}";

        var initial = d.Client(B64($"n,a=u@x.example,\u0001host=mx.example\u0001port=587\u0001auth=Bearer {Token}\u0001\u0001"), initial: true);
        var challenge = d.Server(B64(error));
        var ack = d.Client(B64("\u0001"));

        Assert.Equal("******** [gs2=n (no channel binding), authzid=u@x.example, host=mx.example, port=587, token=********]", initial);
        Assert.Equal($"{B64(error)} [error: {error}]", challenge);
        Assert.Equal("AQ== [^A: client acknowledges the error challenge]", ack);
        SecretCanary.AssertAbsent(Token, initial + challenge + ack);
    }

    [Fact]
    public void OAuthBearer_UnknownKeys_Masked()
    {
        var text = Create("OAUTHBEARER").Client(B64($"n,,\u0001auth=Bearer {Token}\u0001mfa=CANARY-mfa\u0001\u0001"));

        Assert.Equal("******** [gs2=n (no channel binding), authzid=, token=********, mfa=********]", text);
        SecretCanary.AssertAbsent("CANARY-mfa", text);
        SecretCanary.AssertAbsent(Token, text);
    }

    [Theory]
    [InlineData("n,a=u@x\u0001auth=Bearer t\u0001\u0001")]
    [InlineData("n,x=u,\u0001auth=Bearer t\u0001\u0001")]
    [InlineData("auth=Bearer t")]
    public void OAuthBearer_BadGs2Header_Masked(string payload)
    {
        Assert.Equal("******** [malformed OAUTHBEARER response, masked]", Create("OAUTHBEARER").Client(B64(payload)));
    }
}
