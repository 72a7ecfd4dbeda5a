using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class LoginDescriberTests
{
    private const string Password = "CANARY-login-7f3";

    [Fact]
    public void Login_ClassicExchange_ShowsPromptsAndUser()
    {
        var d = Create("LOGIN");

        var transcript = new[]
        {
            d.Server("VXNlcm5hbWU6"),
            d.Client(B64("alice")),
            d.Server("UGFzc3dvcmQ6"),
            d.Client(B64(Password)),
        };

        Assert.Equal(["VXNlcm5hbWU6 [Username:]", "******** [user=alice]", "UGFzc3dvcmQ6 [Password:]", "******** [password]"], transcript);
        SecretCanary.AssertAbsent(Password, string.Join('\n', transcript));
        Assert.DoesNotContain(B64("alice"), string.Join('\n', transcript), StringComparison.Ordinal);
    }

    [Fact]
    public void Login_InitialResponse_FirstContinuationIsPassword()
    {
        var d = Create("LOGIN");

        var user = d.Client(B64("alice"), initial: true);
        var prompt = d.Server("VXNlcm5hbWU6"); // a misleading prompt must not matter
        var password = d.Client(B64(Password));

        Assert.Equal("******** [user=alice]", user);
        Assert.Equal("VXNlcm5hbWU6 [Username:]", prompt);
        Assert.Equal("******** [password]", password);
        SecretCanary.AssertAbsent(Password, password);
    }

    [Fact]
    public void Login_NonStandardPrompts_MaskByPosition()
    {
        var d = Create("LOGIN");

        var first = d.Server(B64("username:"));
        var user = d.Client(B64("bob"));
        var second = d.Server(B64("Password please"));
        var password = d.Client(B64(Password));
        var extra = d.Client(B64(Password));

        Assert.Equal("dXNlcm5hbWU6 [username:]", first);
        Assert.Equal("******** [user=bob]", user);
        Assert.Equal("UGFzc3dvcmQgcGxlYXNl [Password please]", second);
        Assert.Equal("******** [password]", password);
        Assert.StartsWith("******** [", extra, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(Password, password + extra);
    }

    [Theory]
    [InlineData("Q")]
    [InlineData("R")]
    public void Login_UsersWhoseBase64StartsWithQorR_AreOrdinary(string expectedFirst)
    {
        var user = expectedFirst == "Q" ? "Alice" : "Emil";
        Assert.StartsWith(expectedFirst, B64(user), StringComparison.Ordinal);

        Assert.Equal($"******** [user={user}]", Create("LOGIN").Client(B64(user)));
    }

    [Theory]
    [InlineData("=")]
    [InlineData("")]
    [InlineData("not base64!")]
    public void Login_OddPasswordLines_StillMasked(string line)
    {
        var d = Create("LOGIN");
        d.Client(B64("alice"), true);

        Assert.Equal("******** [password]", d.Client(line));
    }

    [Fact]
    public void Login_BadBase64User_Masked()
    {
        Assert.Equal("******** [malformed LOGIN response, masked]", Create("LOGIN").Client("YWxpY2U"));
    }
}
