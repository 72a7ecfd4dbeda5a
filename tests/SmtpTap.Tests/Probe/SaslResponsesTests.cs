using System.Text;
using SmtpTap.Probe;

namespace SmtpTap.Tests.Probe;

public sealed class SaslResponsesTests
{
    [Fact]
    public void Plain_IsNulSeparated() =>
        Assert.Equal("AHVzZXJuYW1lQGV4YW1wbGUuY29tAHBhc3N3b3Jk", SaslResponses.Plain("username@example.com", new ProbeSecret("password")));

    [Fact]
    public void Login_EncodesUserAndPassword()
    {
        Assert.Equal("YWRtaW5pc3RyYXRvcg==", SaslResponses.LoginUser("administrator"));
        Assert.Equal("cGFzc3dvcmQ=", SaslResponses.LoginPassword(new ProbeSecret("password")));
    }

    [Fact]
    public void CramMd5_Rfc2195Challenge_MatchesHmacMd5()
    {
        var challenge = Convert.ToBase64String(Encoding.ASCII.GetBytes("<1896.697170952@postoffice.reston.mci.net>"));

        var response = SaslResponses.CramMd5("tim", new ProbeSecret("tanstaafl"), challenge);

        // Digest cross-checked with Python: hmac.new(b"tanstaafl", challenge, hashlib.md5).hexdigest().
        Assert.Equal("tim 84ec099ec2b1e79cad1d3bc135300ac9", Encoding.ASCII.GetString(Convert.FromBase64String(response!)));
    }

    [Fact]
    public void CramMd5_ChallengeNotBase64_ReturnsNull() =>
        Assert.Null(SaslResponses.CramMd5("tim", new ProbeSecret("x"), "not base64!"));

    [Fact]
    public void XOAuth2_HasUserAndBearer() =>
        Assert.Equal("user=u@x\u0001auth=Bearer tok\u0001\u0001", Encoding.UTF8.GetString(Convert.FromBase64String(SaslResponses.XOAuth2("u@x", new ProbeSecret("tok")))));

    [Theory]
    [InlineData("PLAIN LOGIN CRAM-MD5", "CRAM-MD5")]
    [InlineData("LOGIN PLAIN", "PLAIN")]
    [InlineData("LOGIN XOAUTH2", "LOGIN")]
    [InlineData("XOAUTH2 NTLM", null)]
    public void Choose_PrefersCramMd5ThenPlainThenLogin(string offered, string? expected) =>
        Assert.Equal(expected, SaslResponses.Choose(offered.Split(' ')));

    [Fact]
    public void Secret_ToString_IsMasked()
    {
        var credentials = new ProbeCredentials("bob", new ProbeSecret("hunter2-secret"), "PLAIN");

        Assert.DoesNotContain("hunter2", credentials.ToString(), StringComparison.Ordinal);
    }
}
