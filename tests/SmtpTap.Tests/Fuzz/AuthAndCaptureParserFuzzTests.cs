using System.Buffers;
using System.Net;
using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Fuzz;

/// <summary>
/// Property tests for StrictBase64 and the capture server's command parsing (framer, MAIL/RCPT parameters, the whole
/// command processor). The SASL describers and the NTLM decoder are fuzzed in Auth/DescriberFuzzTests.
/// </summary>
public sealed class AuthAndCaptureParserFuzzTests
{
    private const int Cases = 4000;

    [Fact]
    public void StrictBase64_RandomAndMutated_NeverThrows_AcceptsOnlyWhatRoundTrips()
    {
        var random = new Random(4648);
        string[] samples = ["dXNlcg==", "AHVzZXIAcGFzcw==", "TlRMTVNTUAABAAAAB6IAAAAAAAAAAAAAAAAAAAAAAAA=", "YQ==", "YWI=", "YWJj", string.Empty];
        for (var i = 0; i < Cases * 2; i++)
        {
            var text = FuzzInput.Next(random, samples, 200);
            if (StrictBase64.TryDecode(text, out var bytes))
            {
                // RFC 4954: "=" alone is the empty response; everything else must be canonical base64.
                Assert.Equal(text is [(byte)'='] ? string.Empty : Encoding.Latin1.GetString(text), Convert.ToBase64String(bytes));
                Assert.True(StrictBase64.TryGetDecodedLength(text, out var length));
                Assert.Equal(bytes.Length, length);
            }
        }
    }

    [Fact]
    public void CaptureCommandLineFramer_AnySplit_SameResultsBounded()
    {
        var random = new Random(2048);
        string[] samples = ["EHLO x\r\nMAIL FROM:<a@b>\r\n", "AUTH PLAIN " + new string('A', 3000) + "\r\n", "RCPT TO:<x@y>\r\n"];
        for (var i = 0; i < Cases; i++)
        {
            var data = FuzzInput.Next(random, samples, 5000);
            var auth = random.Next(2) == 0;
            Assert.Equal(Frame(new ReadOnlySequence<byte>(data), auth), Frame(FuzzInput.Split(random, data), auth));
        }
    }

    private static List<string> Frame(ReadOnlySequence<byte> buffer, bool auth)
    {
        var framer = new CommandLineFramer();
        var results = new List<string>();
        while (true)
        {
            var status = framer.TryReadLine(ref buffer, auth, out var line);
            if (status == CommandLineStatus.NeedMore)
            {
                return results;
            }

            Assert.True(line.Length <= CommandLineFramer.MaxAuthLineLength + 2);
            results.Add(status + ":" + Convert.ToHexString(line.ToArray()));
        }
    }

    [Fact]
    public void MailCommandParser_RandomArguments_NoException()
    {
        var random = new Random(6531);
        string[] samples = ["FROM:<a@example.org> SIZE=100 BODY=8BITMIME SMTPUTF8", "TO:<b@example.org> NOTIFY=NEVER", "FROM:<> AUTH=<>", "FROM:<\"q uoted\"@x>"];
        for (var i = 0; i < Cases; i++)
        {
            var text = Encoding.Latin1.GetString(FuzzInput.Next(random, samples, 300));
            foreach (var keyword in new[] { "FROM", "TO" })
            {
                if (MailCommandParser.TryParse(text, keyword, out var parsed))
                {
                    Assert.NotNull(parsed);
                }
            }
        }
    }

    [Fact]
    public void CaptureCommandProcessor_RandomSessions_NoExceptionEveryLineAnswered()
    {
        var random = new Random(5322);
        string[] samples = ["EHLO x", "HELO x", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", "BDAT 10 LAST", "AUTH PLAIN AHUAcA==", "AUTH LOGIN", "AUTH CRAM-MD5", "AUTH NTLM", "*", "RSET", "NOOP", "VRFY x", "STARTTLS", "QUIT", "AUTH XOAUTH2 =", "dXNlcg=="];
        var options = new CaptureServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Credentials = new Dictionary<string, string> { ["u"] = "p" },
            AuthMechanisms = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "NTLM"],
        };
        for (var session = 0; session < 300; session++)
        {
            var processor = new CaptureCommandProcessor(options, TimeProvider.System, span => span.Fill(0x42));
            var state = CaptureSessionState.Initial(random.Next(2) == 0);
            for (var i = 0; i < 20; i++)
            {
                var line = Encoding.Latin1.GetString(FuzzInput.Next(random, samples, 200)).Replace("\r\n", " ", StringComparison.Ordinal);
                var step = processor.Process(state, line);
                state = step.State;
                if (step.Reply is { } reply)
                {
                    Assert.InRange(reply.Code, 200, 599);
                    Assert.All(reply.Lines, l => Assert.True(l.Length < 4096));
                }
            }
        }
    }
}
