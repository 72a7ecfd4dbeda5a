using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

public sealed class CaptureCommandProcessorTests
{
    [Fact]
    public void Ehlo_WithoutCertificates_ListsExtensionsWithoutStartTls()
    {
        var harness = new ProcessorHarness();

        var step = harness.Send("EHLO client.example");

        Assert.Equal(250, step.Reply!.Code);
        Assert.Equal(
            ["capture.smtptap.local", "PIPELINING", "SIZE 209715200", "8BITMIME", "SMTPUTF8", "CHUNKING", "BINARYMIME", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2"],
            step.Reply.Lines);
        Assert.Equal("client.example", harness.State.ClientName);
    }

    [Fact]
    public void Ehlo_WithCertificates_OffersStartTlsUntilTlsIsActive()
    {
        var options = ProcessorHarness.Defaults() with { Certificates = ProcessorHarness.NoCertificate };
        Assert.Contains("STARTTLS", new ProcessorHarness(options).Send("EHLO a").Reply!.Lines);
        Assert.DoesNotContain("STARTTLS", new ProcessorHarness(options, tls: true).Send("EHLO a").Reply!.Lines);
        Assert.DoesNotContain("STARTTLS", new ProcessorHarness(options with { ImplicitTls = true }, tls: true).Send("EHLO a").Reply!.Lines);
    }

    [Fact]
    public void Helo_RepliesWithHostOnly()
    {
        Assert.Equal("250 capture.smtptap.local", new ProcessorHarness().Reply("HELO a"));
    }

    [Fact]
    public void Ehlo_WithoutArgument_IsSyntaxError()
    {
        Assert.StartsWith("501 5.5.4", new ProcessorHarness().Reply("EHLO"), StringComparison.Ordinal);
    }

    [Fact]
    public void StartTls_ResetsStateAndAsksForHandshake()
    {
        var harness = new ProcessorHarness(ProcessorHarness.Defaults() with { Certificates = ProcessorHarness.NoCertificate });
        harness.Send("EHLO a");

        var step = harness.Send("STARTTLS");

        Assert.Equal("220 2.0.0 Ready to start TLS", ProcessorHarness.Format(step));
        Assert.Equal(CaptureAction.StartTls, step.Action);
        Assert.True(harness.State.IsTls);
        Assert.False(harness.State.IsGreeted);
        Assert.StartsWith("503 5.5.1", harness.Reply("MAIL FROM:<a@b>"), StringComparison.Ordinal);
        Assert.StartsWith("554 5.5.1", harness.Reply("STARTTLS"), StringComparison.Ordinal);
    }

    [Fact]
    public void StartTls_WithoutCertificates_IsNotImplemented()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        Assert.StartsWith("502 5.5.1", harness.Reply("STARTTLS"), StringComparison.Ordinal);
    }

    [Fact]
    public void AuthRequiresTls_HidesAuthAndRefusesIt()
    {
        var harness = new ProcessorHarness(ProcessorHarness.Defaults() with { Certificates = ProcessorHarness.NoCertificate, AuthRequiresTls = true });

        var ehlo = harness.Send("EHLO a");

        Assert.DoesNotContain(ehlo.Reply!.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.StartsWith("530 5.7.0", harness.Reply("AUTH PLAIN AGEAYg=="), StringComparison.Ordinal);
    }

    [Fact]
    public void Mail_BeforeEhlo_IsBadSequence()
    {
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", new ProcessorHarness().Reply("MAIL FROM:<a@b>"));
    }

    [Fact]
    public void Transaction_HappyPath_ReachesData()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");

        Assert.Equal("250 2.1.0 Ok", harness.Reply("MAIL FROM:<from@example.com> SIZE=100 BODY=8BITMIME"));
        Assert.Equal("250 2.1.5 Ok", harness.Reply("RCPT TO:<to@example.com>"));
        Assert.Equal("250 2.1.5 Ok", harness.Reply("rcpt to: <two@example.com>"));
        var data = harness.Send("DATA");

        Assert.Equal(CaptureAction.ReceiveData, data.Action);
        Assert.Equal(354, data.Reply!.Code);
        Assert.Equal("from@example.com", harness.State.Transaction!.MailFrom);
        Assert.Equal(["to@example.com", "two@example.com"], harness.State.Transaction.Recipients.ToArray());
    }

    [Fact]
    public void Mail_NullReversePath_IsAccepted()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        Assert.Equal("250 2.1.0 Ok", harness.Reply("MAIL FROM:<>"));
        Assert.Equal(string.Empty, harness.State.Transaction!.MailFrom);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b> SIZE=209715201", "552 5.3.4 Message size exceeds fixed limit")]
    [InlineData("MAIL FROM:<a@b> SIZE=abc", "501 5.5.4 Bad message size syntax")]
    [InlineData("MAIL FROM:<a@b> BODY=9BIT", "501 5.5.4 Unsupported BODY parameter")]
    [InlineData("MAIL FROM:<a@b> RET=FULL", "555 5.5.4 Unsupported option: RET")]
    [InlineData("MAIL FROM:a@b", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("MAIL TO:<a@b>", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("MAIL FROM:<jörg@b>", "553 5.6.7 Must declare SMTPUTF8 to send unicode address")]
    [InlineData("MAIL FROM:<jörg@b> SMTPUTF8", "250 2.1.0 Ok")]
    [InlineData("MAIL FROM:<a@b> BODY=BINARYMIME", "250 2.1.0 Ok")]
    public void Mail_Parameters_AreChecked(string command, string expected)
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        Assert.Equal(expected, harness.Reply(command));
    }

    [Fact]
    public void Mail_Twice_IsNested()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        Assert.Equal("503 5.5.1 Error: nested MAIL command", harness.Reply("MAIL FROM:<a@b>"));
    }

    [Fact]
    public void Rcpt_BeforeMail_IsBadSequence()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        Assert.Equal("503 5.5.1 Error: need MAIL command", harness.Reply("RCPT TO:<a@b>"));
    }

    [Fact]
    public void Rcpt_PastOneThousand_Gets452()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        for (var i = 0; i < CaptureCommandProcessor.MaxRecipients; i++)
        {
            Assert.Equal(250, harness.Send("RCPT TO:<r" + i + "@b>").Reply!.Code);
        }

        Assert.Equal("452 4.5.3 Error: too many recipients", harness.Reply("RCPT TO:<one-more@b>"));
        Assert.Equal(CaptureCommandProcessor.MaxRecipients, harness.State.Transaction!.Recipients.Length);
    }

    [Fact]
    public void Data_WithoutRecipients_IsBadSequence()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        Assert.Equal("503 5.5.1 Error: need RCPT command", harness.Reply("DATA"));
        Assert.StartsWith("501 5.5.4", harness.Reply("DATA now"), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_WithBinaryMime_NeedsBdat()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b> BODY=BINARYMIME");
        harness.Send("RCPT TO:<c@d>");
        Assert.Equal("503 5.5.1 Error: BODY=BINARYMIME requires BDAT", harness.Reply("DATA"));
    }

    [Fact]
    public void Bdat_InTransaction_AsksForChunkAndForbidsDataAfterwards()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        harness.Send("RCPT TO:<c@d>");

        var first = harness.Send("BDAT 10");
        var last = harness.Send("BDAT 5 LAST");

        Assert.Equal((CaptureAction.ReceiveChunk, 10L, false), (first.Action, first.ChunkSize, first.LastChunk));
        Assert.Null(first.Reply);
        Assert.Equal((CaptureAction.ReceiveChunk, 5L, true), (last.Action, last.ChunkSize, last.LastChunk));
        Assert.Equal(15, harness.State.Transaction!.ChunkedBytes);
        Assert.Equal("503 5.5.1 Error: DATA not allowed after BDAT", harness.Reply("DATA"));
    }

    [Fact]
    public void Bdat_WithoutTransaction_DiscardsTheChunk()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");

        var step = harness.Send("BDAT 42 LAST");

        Assert.Equal(CaptureAction.DiscardChunk, step.Action);
        Assert.Equal(42, step.ChunkSize);
        Assert.Equal("503 5.5.1 Error: need MAIL command", ProcessorHarness.Format(step));
    }

    [Fact]
    public void Bdat_PastMaxSize_DiscardsAndEndsTransaction()
    {
        var harness = new ProcessorHarness(ProcessorHarness.Defaults() with { MaxMessageSize = 100 });
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        harness.Send("RCPT TO:<c@d>");
        harness.Send("BDAT 60");

        var step = harness.Send("BDAT 60 LAST");

        Assert.Equal(CaptureAction.DiscardChunk, step.Action);
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit", ProcessorHarness.Format(step));
        Assert.Null(harness.State.Transaction);
    }

    [Theory]
    [InlineData("BDAT")]
    [InlineData("BDAT x")]
    [InlineData("BDAT 10 FIRST")]
    [InlineData("BDAT -1")]
    public void Bdat_WithBadSyntax_DoesNotReadAChunk(string command)
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        var step = harness.Send(command);
        Assert.Equal(CaptureAction.None, step.Action);
        Assert.StartsWith("501 5.5.4", ProcessorHarness.Format(step), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NOOP", "250 2.0.0 Ok")]
    [InlineData("VRFY someone", "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")]
    [InlineData("FOO bar", "500 5.5.2 Error: command not recognized")]
    [InlineData("EXPN list", "500 5.5.2 Error: command not recognized")]
    public void SimpleCommands_Reply(string command, string expected)
    {
        Assert.Equal(expected, new ProcessorHarness().Reply(command));
    }

    [Fact]
    public void Help_Replies214()
    {
        Assert.Equal(214, new ProcessorHarness().Send("HELP").Reply!.Code);
    }

    [Fact]
    public void Rset_ClearsTransactionButKeepsGreeting()
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        Assert.Equal("250 2.0.0 Ok", harness.Reply("RSET"));
        Assert.Null(harness.State.Transaction);
        Assert.True(harness.State.IsGreeted);
    }

    [Fact]
    public void Quit_RepliesAndCloses()
    {
        var step = new ProcessorHarness().Send("QUIT");
        Assert.Equal("221 2.0.0 Bye", ProcessorHarness.Format(step));
        Assert.Equal(CaptureAction.Close, step.Action);
    }

    [Fact]
    public void EndTransaction_KeepsAuthentication()
    {
        var state = CaptureSessionState.Initial(false) with
        {
            ClientName = "a",
            IsAuthenticated = true,
            AuthenticatedUser = "u",
            Transaction = new MailTransaction("a@b", null, MessageBodyType.SevenBit, false),
        };

        var next = CaptureCommandProcessor.EndTransaction(state);

        Assert.Null(next.Transaction);
        Assert.Equal("u", next.AuthenticatedUser);
    }

    [Theory]
    [InlineData("DATA")]
    [InlineData("\tDATA")]
    [InlineData(" DATA")]
    [InlineData("DATA\t")]
    [InlineData("data \t ")]
    public void Data_WithSeparatorsAroundTheVerb_StartsTheMessageAsPostfixDoes(string command)
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        harness.Send("RCPT TO:<c@d>");

        var step = harness.Send(command);

        Assert.Equal(CaptureAction.ReceiveData, step.Action);
        Assert.Equal(354, step.Reply!.Code);
    }

    [Theory]
    [InlineData("BDAT\t10\tLAST", 10L, true)]
    [InlineData("\tbdat  10 \t last", 10L, true)]
    [InlineData("BDAT\t10", 10L, false)]
    public void Bdat_WithTabsAndRuns_ReadsTheChunk(string command, long size, bool last)
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");
        harness.Send("RCPT TO:<c@d>");

        var step = harness.Send(command);

        Assert.Equal((CaptureAction.ReceiveChunk, size, last), (step.Action, step.ChunkSize, step.LastChunk));
    }

    [Theory]
    [InlineData("rcpt   to:<x@y>")]
    [InlineData("RCPT\tTO:<x@y>")]
    [InlineData(" RCPT TO:\t<x@y> \t")]
    public void Rcpt_WithRepeatedSeparatorsOrTabs_IsAccepted(string command)
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");
        harness.Send("MAIL FROM:<a@b>");

        Assert.Equal("250 2.1.5 Ok", harness.Reply(command));
        Assert.Equal("x@y", Assert.Single(harness.State.Transaction!.Recipients));
    }

    [Theory]
    [InlineData("MAIL\tFROM:<a@b>\tSIZE=100\tBODY=8BITMIME")]
    [InlineData("mail  from:<a@b>   SIZE=100  BODY=8BITMIME  ")]
    public void Mail_ParametersSeparatedByTabsOrRuns_AreAllRead(string command)
    {
        var harness = new ProcessorHarness();
        harness.Send("EHLO a");

        Assert.Equal("250 2.1.0 Ok", harness.Reply(command));
        Assert.Equal(100, harness.State.Transaction!.DeclaredSize);
        Assert.Equal(MessageBodyType.EightBitMime, harness.State.Transaction.Body);
    }

    [Theory]
    [InlineData("EHLO\tclient.test")]
    [InlineData("  ehlo   client.test  ")]
    public void Ehlo_WithTabsOrRuns_TakesTheNameWithoutSeparators(string command)
    {
        var harness = new ProcessorHarness();
        Assert.Equal(250, harness.Send(command).Reply!.Code);
        Assert.Equal("client.test", harness.State.ClientName);
    }

    [Theory]
    [InlineData("QUIT\t")]
    [InlineData("\tquit")]
    public void Quit_WithSeparators_Closes(string command) => Assert.Equal(CaptureAction.Close, new ProcessorHarness().Send(command).Action);
}
