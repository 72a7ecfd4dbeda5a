using System.Text;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Protocol;

public sealed class SmtpCommandLineTests
{
    [Theory]
    [InlineData("EHLO client.example", nameof(SmtpVerb.Ehlo))]
    [InlineData("ehlo x", nameof(SmtpVerb.Ehlo))]
    [InlineData("STARTTLS", nameof(SmtpVerb.StartTls))]
    [InlineData("starttls", nameof(SmtpVerb.StartTls))]
    [InlineData("AUTH PLAIN AGFsaWNlAHNlY3JldA==", nameof(SmtpVerb.Auth))]
    [InlineData("DATA", nameof(SmtpVerb.Data))]
    [InlineData("DATAX", nameof(SmtpVerb.Other))]
    [InlineData("BDAT 100 LAST", nameof(SmtpVerb.Bdat))]
    [InlineData("QUIT", nameof(SmtpVerb.Quit))]
    [InlineData("VRFY postmaster", nameof(SmtpVerb.Vrfy))]
    [InlineData("XYZZY postmaster", nameof(SmtpVerb.Other))]
    [InlineData("DATA\t", nameof(SmtpVerb.Data))]
    [InlineData(" DATA", nameof(SmtpVerb.Data))]
    [InlineData("\tAuTh\tPLAIN\tAGFsaWNl", nameof(SmtpVerb.Auth))]
    [InlineData("  \t auth plain", nameof(SmtpVerb.Auth))]
    [InlineData("BDAT\t12\tLAST", nameof(SmtpVerb.Bdat))]
    [InlineData("", nameof(SmtpVerb.Other))]
    public void GetVerb_RecognisesCommands(string line, string verb) => Assert.Equal(Enum.Parse<SmtpVerb>(verb), SmtpCommandLine.GetVerb(Encoding.ASCII.GetBytes(line)));

    [Theory]
    [InlineData("BDAT 100", 100, false, true)]
    [InlineData("BDAT 0 LAST", 0, true, true)]
    [InlineData("bdat 42 last", 42, true, true)]
    [InlineData("BDAT", 0, false, false)]
    [InlineData("BDAT -1", 0, false, false)]
    [InlineData("BDAT 12x", 0, false, false)]
    [InlineData("BDAT 5 FIRST", 5, false, false)]
    [InlineData("BDAT 99999999999999", 0, false, false)]
    public void TryParseBdat_SizeAndLast(string line, long size, bool last, bool ok)
    {
        Assert.Equal(ok, SmtpCommandLine.TryParseBdat(Encoding.ASCII.GetBytes(line), out var s, out var l));
        if (ok)
        {
            Assert.Equal(size, s);
            Assert.Equal(last, l);
        }
    }

    [Fact]
    public void TryParseAuth_MechanismAndInitialResponse()
    {
        var line = Encoding.ASCII.GetBytes("AUTH plain AGFsaWNlAHNlY3JldA==");
        Assert.True(SmtpCommandLine.TryParseAuth(line, out var mech, out var ir, out var hasIr));
        Assert.Equal("PLAIN", mech);
        Assert.True(hasIr);
        Assert.Equal("AGFsaWNlAHNlY3JldA==", Encoding.ASCII.GetString(line[ir]));
        Assert.True(SmtpCommandLine.TryParseAuth("AUTH LOGIN"u8, out mech, out _, out hasIr));
        Assert.Equal("LOGIN", mech);
        Assert.False(hasIr);
        Assert.False(SmtpCommandLine.TryParseAuth("AUTH"u8, out _, out _, out _));
    }
}
