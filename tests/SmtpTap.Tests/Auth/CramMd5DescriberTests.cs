using System.Security.Cryptography;
using System.Text;
using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class CramMd5DescriberTests
{
    [Fact]
    public void CramMd5_Rfc2195Exchange_ShowsChallengeAndUserMasksDigest()
    {
        const string challenge = "<1896.697170952@postoffice.reston.mci.net>";
        const string secret = "tanstaaftanstaaf";
        var digest = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.ASCII.GetBytes(secret), Encoding.ASCII.GetBytes(challenge)));
        Assert.Equal("b913a602c7eda7a495b4e6e7334d3890", digest);
        var d = Create("cram-md5");

        var server = d.Server(B64(challenge));
        var client = d.Client(B64("tim " + digest));

        Assert.Equal($"{B64(challenge)} [{challenge}]", server);
        Assert.Equal("******** [user=tim, digest=********]", client);
        SecretCanary.AssertAbsent(digest, client);
        SecretCanary.AssertAbsent(secret, server + client);
    }

    [Fact]
    public void CramMd5_ShortChallenge_Decoded()
    {
        Assert.Equal("PDEyMzQ1QGhvc3Q+ [<12345@host>]", Create("CRAM-MD5").Server("PDEyMzQ1QGhvc3Q+"));
    }

    [Theory]
    [InlineData("timb913a602c7eda7a495b4e6e7334d3890")]
    [InlineData(" b913a602c7eda7a495b4e6e7334d3890")]
    public void CramMd5_NoUserSeparator_Masked(string response)
    {
        var text = Create("CRAM-MD5").Client(B64(response));

        Assert.Equal("******** [malformed CRAM-MD5 response, masked]", text);
    }
}
