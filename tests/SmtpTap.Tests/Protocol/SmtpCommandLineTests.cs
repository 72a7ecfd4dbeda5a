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
    [InlineData("BDAT\t10\tLAST", 10, true, true)]
    [InlineData("\tBDAT  7 \t LaSt \t", 7, true, true)]
    [InlineData("BDAT\t7\t", 7, false, true)]
    [InlineData("BDAT 7 LAST x", 0, false, false)]
    [InlineData("BDAT 7LAST", 0, false, false)]
    [InlineData("BDAT +5", 0, false, false)]
    [InlineData("BDAT 0x5", 0, false, false)]
    [InlineData("BDAT 5.0", 0, false, false)]
    [InlineData("BDAT 1,000", 0, false, false)]
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

    [Theory]
    [InlineData("\tDATA", nameof(SmtpVerb.Data))]
    [InlineData(" \t DaTa \t ", nameof(SmtpVerb.Data))]
    [InlineData("AUTH\tPLAIN\tAGFsaWNlAHNlY3JldA==", nameof(SmtpVerb.Auth))]
    [InlineData(" AUTH PLAIN AGFsaWNlAHNlY3JldA==", nameof(SmtpVerb.Auth))]
    [InlineData("rcpt   to:<x@example.test>", nameof(SmtpVerb.Rcpt))]
    [InlineData("BDAT\t10\tLAST", nameof(SmtpVerb.Bdat))]
    [InlineData("AUTHPLAIN x", nameof(SmtpVerb.Other))]
    [InlineData(" \t ", nameof(SmtpVerb.Other))]
    public void GetVerb_LeadingRepeatedAndTabSeparatorsAndAnyCase(string line, string verb) => Assert.Equal(Enum.Parse<SmtpVerb>(verb), SmtpCommandLine.GetVerb(Encoding.ASCII.GetBytes(line)));

    [Theory]
    [InlineData("AUTH\tPLAIN\tAGFsaWNlAHNlY3JldA==", "PLAIN", "AGFsaWNlAHNlY3JldA==")]
    [InlineData(" \tauth  Plain \t AGFsaWNlAHNlY3JldA== \t", "PLAIN", "AGFsaWNlAHNlY3JldA==")]
    [InlineData("AUTH XOAUTH2\t\tdXNlcj1h", "XOAUTH2", "dXNlcj1h")]
    [InlineData("AUTH LOGIN \t ", "LOGIN", null)]
    public void TryParseAuth_InitialResponseAfterTabsAndRuns_IsNeverTakenForTheMechanism(string text, string mechanism, string? initialResponse)
    {
        var line = Encoding.ASCII.GetBytes(text);
        Assert.True(SmtpCommandLine.TryParseAuth(line, out var mech, out var ir, out var hasIr));
        Assert.Equal(mechanism, mech);
        Assert.Equal(initialResponse is not null, hasIr);
        if (initialResponse is not null)
        {
            Assert.Equal(initialResponse, Encoding.ASCII.GetString(line[ir]));
        }
    }

    [Theory]
    [InlineData("MAIL\tFROM:<a@b>\tSIZE=10", "FROM:<a@b>\tSIZE=10", new[] { "FROM:<a@b>", "SIZE=10" })]
    [InlineData("  rcpt   to:<x@y>   ", "to:<x@y>", new[] { "to:<x@y>" })]
    [InlineData("DATA\t", "", new string[0])]
    [InlineData("EHLO", "", new string[0])]
    public void ArgumentsAndWords_SkipLeadingRepeatedAndTrailingSeparators(string text, string arguments, string[] words)
    {
        var line = Encoding.ASCII.GetBytes(text);
        Assert.Equal(arguments, Encoding.ASCII.GetString(SmtpCommandLine.Arguments(line)));
        Assert.Equal(words, SmtpCommandLine.ArgumentWords(line));
        Assert.Equal(text.Trim(' ', '\t').Split(' ', '\t')[0], Encoding.ASCII.GetString(SmtpCommandLine.VerbWord(line)));
    }

    [Theory]
    [InlineData("AGFsaWNlAHNlY3JldA==", true)]
    [InlineData(" \tdXNlcj1h\t ", true)]
    [InlineData("dXNl-cj1h_", true)]
    [InlineData("*", false)]
    [InlineData("", false)]
    [InlineData(" \t ", false)]
    [InlineData("QUIT now", false)]
    [InlineData("abc!", false)]
    public void CouldBeBase64_OnlyTheBase64AlphabetAfterTrimming(string text, bool expected) =>
        Assert.Equal(expected, SmtpCommandLine.CouldBeBase64(Encoding.ASCII.GetBytes(text)));
}
