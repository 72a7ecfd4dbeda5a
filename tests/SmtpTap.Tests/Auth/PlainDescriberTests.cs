using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class PlainDescriberTests
{
    private const string Password = "CANARY-D19-pw!";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Plain_InitialOrContinuation_ShowsUserMasksPassword(bool initial)
    {
        var d = Create("plain");
        var line = B64("\0user@ex.org\0" + Password);

        var text = d.Client(line, initial);

        Assert.Equal("******** [authzid=, user=user@ex.org, password=********]", text);
        Assert.DoesNotContain(line, text, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(Password, text);
    }

    [Fact]
    public void Plain_WithAuthzid_ShowsBoth()
    {
        var text = Create("PLAIN").Client(B64("admin\0alice\0" + Password), true);

        Assert.Equal("******** [authzid=admin, user=alice, password=********]", text);
        SecretCanary.AssertAbsent(Password, text);
    }

    [Theory]
    [InlineData("alice" + Password)]
    [InlineData("alice\0" + Password)]
    [InlineData("a\0alice\0" + Password + "\0x")]
    [InlineData("\0\0\0" + Password)]
    public void Plain_WrongNulCount_MasksEverything(string blob)
    {
        var text = Create("PLAIN").Client(B64(blob), true);

        Assert.Equal("******** [malformed PLAIN response, masked]", text);
        Assert.DoesNotContain("alice", text, StringComparison.Ordinal);
        SecretCanary.AssertAbsent(Password, text);
    }

    [Theory]
    [InlineData("dXN!cg==")]
    [InlineData("=AAA")]
    [InlineData("AAA=BBB")]
    [InlineData("AGFsaWNlAHBhc3M")]
    [InlineData("dXNl cg==")]
    [InlineData("AGFsaWNlAHBhc3M=\t")]
    public void Plain_BadBase64_Masked(string line)
    {
        Assert.Equal("******** [malformed PLAIN response, masked]", Create("PLAIN").Client(line, true));
    }

    [Fact]
    public void Plain_CancelAndEmpty_AreNamed()
    {
        var d = Create("PLAIN");

        Assert.Equal("[empty challenge]", d.Server(""));
        Assert.Equal("= [empty]", d.Client("=", true));
        Assert.Equal("* [client cancelled authentication]", d.Client("*"));
    }
}
