using System.Buffers;
using System.Text;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.Tests.Relay;

/// <summary>
/// Playbooks for the pure DATA rules: message content in, the decisions out (what is relayed, normalised, where the
/// message ends, what is refused, the RFC 1870 size), fed in every chunking. Each odd message found later is one line here.
/// </summary>
public sealed class DataContentPlaybookTests
{
    [Theory]
    [InlineData("Subject: x\r\n\r\nhi\r\n.\r\n", "reject", "F F F E", 18L)]
    [InlineData("Subject: x\n\nhi\n.\n", "reject", "R", 0L)]
    [InlineData("Subject: x\n\nhi\n.\n", "fix", "N N N E", 18L)]
    [InlineData("Subject: x\r\n\r\nhi\n.\r\nMAIL FROM:<s@x>\r\n.\r\n", "reject", "F F R", 14L)]
    [InlineData("Subject: x\r\n\r\nhi\r\n..dot\r\n.\r\n", "reject", "F F F F E", 24L)]
    [InlineData("a\rb\r\n.\r\n", "fix", "R", 0L)]
    [InlineData("a\0b\r\n.\r\n", "fix", "R", 0L)]
    public void Playbook(string content, string policy, string expected, long octets)
    {
        foreach (var chunking in new[] { 0, 1, 3, 7 })
        {
            var rules = new DataContentRules(policy == "fix" ? LineEndingPolicy.Fix : LineEndingPolicy.Reject, 0, 0);
            var actions = Run(rules, content, chunking);
            Assert.Equal(expected, string.Join(' ', actions));
            if (octets > 0)
            {
                Assert.Equal(octets, rules.Octets);
            }
        }
    }

    [Fact]
    public void LfOnlyClient_IsRecognised_SoItsEndOfDataCanBeReadLeniently()
    {
        var rules = new DataContentRules(LineEndingPolicy.Reject, 0, 0);
        var buffer = Seq("Subject: x\nhi\n.\n");
        var decision = rules.Decide(LineFramer.Next(ref buffer, 1024));
        Assert.Equal(DataAction.Refuse, decision.Action);
        Assert.True(decision.Violation!.LfOnlyClient);
        Assert.Contains("--line-endings fix", decision.Violation.Reply.FirstLine, StringComparison.Ordinal);
    }

    [Fact]
    public void LongLine_StreamsInPieces_IsFlaggedOverRfc1000_AndADotInsideItIsNeverAnEnd()
    {
        var rules = new DataContentRules(LineEndingPolicy.Reject, 0, 0);
        var pieces = new List<DataDecision>();
        var carry = string.Empty;
        foreach (var read in new[] { new string('q', 3000), new string('q', 2000) + "\r", "\n.\r\n" })
        {
            var buffer = Seq(carry + read);
            while (LineFramer.Next(ref buffer, 1024) is { HasValue: true } piece)
            {
                pieces.Add(rules.Decide(piece));
            }

            carry = Encoding.ASCII.GetString(buffer.ToArray());
            Assert.True(carry is "" or "\r", "only a trailing CR may be held back");
        }

        Assert.Equal(DataAction.Forward, pieces[0].Action);
        Assert.False(pieces[0].CompletesLine);
        Assert.False(pieces[1].CompletesLine);
        Assert.True(pieces[^2].CompletesLine);
        Assert.True(pieces[^2].OverRfcLimit);
        Assert.Equal(5002, pieces[^2].LineOctets);
        Assert.Equal(DataAction.EndOfData, pieces[^1].Action);
    }

    [Fact]
    public void EnforcedLineLimit_RefusesTheLongLine()
    {
        var rules = new DataContentRules(LineEndingPolicy.Reject, 1000, 0);
        var buffer = Seq(new string('q', 1200) + "\r\n.\r\n");
        var actions = new List<DataAction>();
        while (LineFramer.Next(ref buffer, 512) is { HasValue: true } piece)
        {
            var decision = rules.Decide(piece);
            actions.Add(decision.Action);
            if (decision.Action == DataAction.Refuse)
            {
                break;
            }
        }

        Assert.Equal(DataAction.Refuse, actions[^1]);
    }

    [Fact]
    public void Size_StuffingDotsAreNotCounted_Rfc1870()
    {
        // 3 lines of ".." (stuffed "."): 3 octets each on the wire, 3 each after unstuffing ("." + CRLF).
        var rules = new DataContentRules(LineEndingPolicy.Reject, 0, 9);
        var actions = Run(rules, "..\r\n..\r\n..\r\n.\r\n", 0);
        Assert.Equal("F F F E", string.Join(' ', actions));
        Assert.Equal(9, rules.Octets);
        var tooBig = new DataContentRules(LineEndingPolicy.Reject, 0, 8);
        Assert.Equal("F F R", string.Join(' ', Run(tooBig, "..\r\n..\r\n..\r\n.\r\n", 0)));
    }

    [Theory]
    [InlineData("\r\n.\r\n", false, 5)]
    [InlineData("x\n.\nrest", true, 4)]
    [InlineData("x\n.\nrest", false, -1)]
    [InlineData("x\n.\r\nrest", false, -1)]
    [InlineData("x\r\n.\r\n", false, 6)]
    public void EndOfDataScanner_StrictAndLenient(string data, bool lenient, int expected)
    {
        var scanner = EndOfDataScanner.MidLine(lenient);
        Assert.Equal(expected, scanner.Feed(Encoding.ASCII.GetBytes(data)));
    }

    private static List<string> Run(DataContentRules rules, string content, int chunk)
    {
        var bytes = Encoding.ASCII.GetBytes(content);
        var actions = new List<string>();
        var pending = new List<byte>();
        var offset = 0;
        while (offset < bytes.Length || pending.Count > 0)
        {
            var take = chunk == 0 ? bytes.Length - offset : Math.Min(chunk, bytes.Length - offset);
            pending.AddRange(bytes.AsSpan(offset, take).ToArray());
            offset += take;
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            var consumed = 0L;
            while (LineFramer.Next(ref buffer, 64) is { HasValue: true } piece)
            {
                consumed += piece.Bytes.Length;
                var decision = rules.Decide(piece);
                actions.Add(decision.Action switch
                {
                    DataAction.Forward when decision.CompletesLine => "F",
                    DataAction.Forward => "P",
                    DataAction.ForwardNormalised => "N",
                    DataAction.EndOfData => "E",
                    _ => "R",
                });
                if (decision.Action is DataAction.EndOfData or DataAction.Refuse)
                {
                    return actions;
                }
            }

            pending.RemoveRange(0, (int)consumed);
            if (take == 0)
            {
                break;
            }
        }

        return actions;
    }

    private static ReadOnlySequence<byte> Seq(string text) => new(Encoding.ASCII.GetBytes(text));
}
