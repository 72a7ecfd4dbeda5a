using System.Buffers;
using System.Text;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Tests.Fuzz;

/// <summary>
/// Property tests over the relay's parsers with thousands of seeded inputs each (random bytes and byte-level mutations
/// of valid samples): no exception escapes, outputs stay bounded, and framing does not depend on how the stream is split.
/// </summary>
public sealed class ProtocolParserFuzzTests
{
    private const int Cases = 4000;

    private static readonly string[] s_commands =
    [
        "EHLO client.example\r\n", "MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME\r\n", "RCPT TO:<b@example.org>\r\n",
        "DATA\r\n", "BDAT 1000 LAST\r\n", "BDAT 0\r\n", "AUTH PLAIN AHVzZXIAcHc=\r\n", "AUTH LOGIN\r\n", "STARTTLS\r\n", "QUIT\r\n",
    ];

    private static readonly string[] s_replies =
    [
        "220 mx.example ESMTP\r\n", "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN SCRAM-SHA-256-PLUS\r\n250-CHUNKING\r\n250 STARTTLS\r\n",
        "334 \r\n", "334 VXNlcm5hbWU6\r\n", "354 go ahead\r\n", "550-5.1.1 no\r\n550 5.1.1 such user\r\n", "421 4.3.2 bye\r\n",
    ];

    private static readonly string[] s_data =
    [
        "Subject: x\r\n\r\nbody\r\n..dot\r\n.\r\n", ".\r\n", "a\r\n.\r\n", "line\r\n.x\r\n.\r\nMAIL FROM:<s@x>\r\n",
    ];

    [Fact]
    public void SmtpLineFramer_AnySplit_SameLinesNoExceptionBounded()
    {
        var random = new Random(5321);
        for (var i = 0; i < Cases; i++)
        {
            var data = FuzzInput.Next(random, s_commands, 3000);
            var max = random.Next(8, 2048);
            var whole = Frame(new ReadOnlySequence<byte>(data), max);
            var split = Frame(FuzzInput.Split(random, data), max);
            Assert.Equal(whole.Last, split.Last);
            Assert.Equal(whole.Lines.Select(Convert.ToHexString), split.Lines.Select(Convert.ToHexString));
            Assert.All(whole.Lines, l => Assert.InRange(l.Length, 2, max));
        }
    }

    private static (List<byte[]> Lines, LineReadStatus Last) Frame(ReadOnlySequence<byte> buffer, int max)
    {
        var lines = new List<byte[]>();
        while (true)
        {
            var status = SmtpLineFramer.TryReadLine(ref buffer, max, out var line);
            if (status != LineReadStatus.Complete)
            {
                return (lines, status);
            }

            Assert.True(line.Length >= 2 && line.Slice(line.Length - 2).ToArray() is [(byte)'\r', (byte)'\n']);
            lines.Add(line.ToArray());
        }
    }

    [Fact]
    public void SmtpReplyParser_RandomAndMutated_NoExceptionBoundedAndSplitIndependent()
    {
        var random = new Random(4954);
        var limits = new ReplyLimits { MaxLineLength = 512, MaxLines = 16 };
        for (var i = 0; i < Cases; i++)
        {
            var data = FuzzInput.Next(random, s_replies, 4000);
            var whole = Parse(new ReadOnlySequence<byte>(data), limits);
            var split = Parse(FuzzInput.Split(random, data), limits);
            Assert.Equal(whole, split);
        }
    }

    private static List<string> Parse(ReadOnlySequence<byte> buffer, ReplyLimits limits)
    {
        var results = new List<string>();
        while (true)
        {
            var status = SmtpReplyParser.TryParse(ref buffer, limits, out var reply, out var raw, out var error);
            if (status == ReplyParseStatus.Complete)
            {
                Assert.NotNull(reply);
                Assert.InRange(reply.Code, 200, 599);
                Assert.InRange(reply.Lines.Count, 1, limits.MaxLines);
                Assert.True(raw.Length <= (long)limits.MaxLineLength * limits.MaxLines);
                results.Add(reply.Code + ":" + string.Join("|", reply.Lines));
                continue;
            }

            results.Add(status + ":" + (error is null ? string.Empty : "error"));
            Assert.True(error is null || error.Length < 1000);
            return results;
        }
    }

    [Fact]
    public void SmtpCommandLine_RandomAndMutated_NoExceptionAndSaneResults()
    {
        var random = new Random(3030);
        for (var i = 0; i < Cases; i++)
        {
            var line = FuzzInput.Next(random, s_commands, 600);
            var content = line.AsSpan(0, Math.Max(0, line.Length - 2));
            _ = SmtpCommandLine.GetVerb(content);
            var args = SmtpCommandLine.Arguments(content);
            Assert.True(args.Length <= content.Length);
            if (SmtpCommandLine.TryParseBdat(content, out var size, out _))
            {
                Assert.True(size >= 0);
            }

            if (SmtpCommandLine.TryParseAuth(content, out var mechanism, out var ir, out var hasIr))
            {
                Assert.InRange(mechanism.Length, 0, content.Length);
                if (hasIr)
                {
                    var (offset, length) = ir.GetOffsetAndLength(content.Length);
                    Assert.True(offset + length <= content.Length);
                }
            }
        }
    }

    [Fact]
    public void EhloRewriter_RandomCapabilityLists_NoExceptionNeverAddsUnknownKeywords()
    {
        var random = new Random(1870);
        string[] keywords = ["PIPELINING", "SIZE 1000", "STARTTLS", "AUTH PLAIN LOGIN", "AUTH=PLAIN", "CHUNKING", "BINARYMIME", "SMTPUTF8", "8BITMIME", "REQUIRETLS", "PIPE_CONNECT", "X-EXPS GSSAPI", "ENHANCEDSTATUSCODES", "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256"];
        for (var i = 0; i < Cases; i++)
        {
            var lines = new List<string> { "mx.example" };
            for (var n = random.Next(0, 12); n > 0; n--)
            {
                var pick = random.Next(3) == 0
                    ? Encoding.Latin1.GetString(FuzzInput.Mutate(random, Encoding.Latin1.GetBytes(keywords[random.Next(keywords.Length)])))
                    : keywords[random.Next(keywords.Length)];
                lines.Add(pick.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
            }

            var policy = new CapabilityPolicy { OfferStartTls = random.Next(2) == 0, Auth = random.Next(2) == 0 ? AuthAdvertisement.Relay : AuthAdvertisement.Hide, AllowRequireTls = random.Next(2) == 0 };
            var rewrite = EhloRewriter.Rewrite(new SmtpReply(250, lines), policy);
            Assert.Equal(250, rewrite.Reply.Code);
            Assert.InRange(rewrite.Reply.Lines.Count, 1, lines.Count + 1);
            var added = rewrite.Reply.Lines.Except(lines).ToList();
            Assert.All(added, a => Assert.True(a == "STARTTLS" || lines.Any(l => l.Contains(a.Split(' ')[0], StringComparison.OrdinalIgnoreCase)), $"invented capability '{a}'"));
            _ = EhloRewriter.AuthMechanisms(new SmtpReply(250, lines));
        }
    }

    [Fact]
    public void EndOfDataScanner_AnySplit_FindsTheSameEnd_MatchesReferenceScan()
    {
        var random = new Random(1047);
        for (var i = 0; i < Cases; i++)
        {
            var data = FuzzInput.Next(random, s_data, 2000);
            var expected = Reference(data);
            var scanner = EndOfDataScanner.AtLineStart();
            var whole = scanner.Feed(data);
            Assert.Equal(expected, whole);

            scanner = EndOfDataScanner.AtLineStart();
            var consumed = 0;
            var found = -1;
            foreach (var segment in FuzzInput.Split(random, data))
            {
                var at = scanner.Feed(segment.Span);
                if (at >= 0)
                {
                    found = consumed + at;
                    break;
                }

                consumed += segment.Length;
            }

            Assert.Equal(expected, found);
        }
    }

    /// <summary>Plain definition: the first ".\r\n" at the start of the data or right after a CRLF; returns the length up to its end.</summary>
    private static int Reference(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        if (text.StartsWith(".\r\n", StringComparison.Ordinal))
        {
            return 3;
        }

        var at = text.IndexOf("\r\n.\r\n", StringComparison.Ordinal);
        return at < 0 ? -1 : at + 5;
    }
}
