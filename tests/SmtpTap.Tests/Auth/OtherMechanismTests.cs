using SmtpTap.Core.Auth;
using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class OtherMechanismTests
{
    [Fact]
    public void Gssapi_TokensMaskedBothWays()
    {
        var token = new byte[11 * 1024];
        new Random(7).NextBytes(token);
        var d = Create("gssapi");

        var client = d.Client(B64(token), initial: true);
        var server = d.Server(B64(token[..200]));

        Assert.Equal("******** [GSSAPI token, masked]", client);
        Assert.Equal("******** [GSSAPI token, masked]", server);
        SecretCanary.AssertAbsent(token[..64], client + server);
    }

    [Fact]
    public void Unknown_EverythingMasked()
    {
        var d = Create("x-foo");

        Assert.Equal("X-FOO", d.Mechanism);
        Assert.Equal("******** [mechanism X-FOO not decoded, masked]", d.Client("abcd", initial: true));
        Assert.Equal("******** [mechanism X-FOO not decoded, masked]", d.Server("c2VjcmV0"));
        Assert.Equal("******** [mechanism X-FOO not decoded, masked]", d.Server("some plain text"));
        Assert.Equal("* [client cancelled authentication]", d.Client("*"));
    }

    [Theory]
    [InlineData("AUTH\r\nMAIL")]
    [InlineData("")]
    [InlineData("THIS-NAME-IS-FAR-TOO-LONG-FOR-SASL")]
    public void Factory_InvalidMechanismName_NotEchoed(string name)
    {
        var d = Create(name);

        Assert.Equal("(invalid)", d.Mechanism);
        Assert.Equal("******** [mechanism (invalid) not decoded, masked]", d.Client("abcd"));
    }

    [Theory]
    [InlineData("plain", "PLAIN")]
    [InlineData("Scram-Sha-256-Plus", "SCRAM-SHA-256-PLUS")]
    [InlineData("xoauth2", "XOAUTH2")]
    public void Factory_IsCaseInsensitive(string name, string expected)
    {
        Assert.Equal(expected, Create(name).Mechanism);
    }

    [Fact]
    public void External_ShowsAuthzid()
    {
        var d = Create("EXTERNAL");

        Assert.Equal("******** [authzid=fred]", d.Client(B64("fred"), initial: true));
        Assert.StartsWith("= [empty: act as the identity", Create("EXTERNAL").Client("=", initial: true), StringComparison.Ordinal);
        Assert.Equal("******** [authzid=********]", Create("EXTERNAL", Masked).Client(B64("fred"), initial: true));
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    [InlineData("CRAM-MD5")]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    [InlineData("SCRAM-SHA-1")]
    [InlineData("DIGEST-MD5")]
    [InlineData("NTLM")]
    [InlineData("GSSAPI")]
    [InlineData("EXTERNAL")]
    [InlineData("X-UNKNOWN")]
    public void AnyMechanism_CancelAndEquals_AreNamed(string mechanism)
    {
        Assert.Equal("* [client cancelled authentication]", Create(mechanism).Client("*"));
        Assert.StartsWith("= [empty", Create(mechanism).Client("=", initial: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Server_NonBase64Text_EchoedWithBase64LookingWordsMasked()
    {
        var text = Create("PLAIN").Server("bad input " + B64("\0alice\0CANARY-echo"));

        Assert.Equal("bad input ******** [plain text, not base64]", text);
        SecretCanary.AssertAbsent("CANARY-echo", text);
    }

    [Fact]
    public void Server_NonBase64Text_PayloadQuotedAfterATab_MaskedToo()
    {
        var text = Create("PLAIN").Server("bad input:\t" + B64("\0alice\0CANARY-tab-echo"));

        Assert.Equal("bad input: ******** [plain text, not base64]", text);
        SecretCanary.AssertAbsent("CANARY-tab-echo", text);
    }

    [Fact]
    public void Describer_ControlCharactersInFields_Escaped()
    {
        var text = Create("PLAIN").Client(B64("\0ali\r\nce\u001b[31m\0pw"));

        Assert.Equal("******** [authzid=, user=ali\\x0D\\x0Ace\\x1B[31m, password=********]", text);
    }
}
