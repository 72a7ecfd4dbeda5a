using System.Buffers;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>What the transcript shows of a message: the header lines, then a body summary (or every line with --show-body).</summary>
/// <param name="dotStuffed">True for DATA content (dot-stuffed, ends with "."); false for BDAT content, which is neither (RFC 3030).</param>
internal sealed class MessageView(SessionTranscript transcript, bool showBody, bool dotStuffed = true)
{
    private bool _inBody;
    private long _bodyLines;
    private long _bodyOctets;
    private long _headerLines;

    /// <summary>True if the next line is shown (a header line, or any line with --show-body); otherwise only its size counts.</summary>
    public bool ShowsNextLine => !_inBody || showBody;

    /// <summary>One line as sent (still dot-stuffed); the transcript shows it unstuffed (RFC 5321 section 4.5.2).</summary>
    public void Line(ReadOnlySequence<byte> content)
    {
        if (dotStuffed && !content.IsEmpty && content.FirstSpan[0] == (byte)'.')
        {
            content = content.Slice(1);
        }

        Add(content, content.Length + 2, cut: false);
    }

    /// <summary>One line of BDAT content as framed for the view.</summary>
    /// <param name="content">The line without its CRLF; only its first octets if <paramref name="cut"/>.</param>
    /// <param name="lineOctets">The line's octets on the wire, CRLF included.</param>
    /// <param name="cut">The line was longer than the view keeps: it is shown cut, with its size.</param>
    public void Line(ReadOnlySequence<byte> content, long lineOctets, bool cut) => Add(content, lineOctets, cut);

    public void Finish(int number)
    {
        if (dotStuffed)
        {
            transcript.Line(TranscriptDirection.ClientToTap, ".");
        }

        transcript.Events.Information(
            "Message {MessageNumber}: {HeaderLines} header lines, body {BodyOctets} octets in {BodyLines} lines{BodyNote:l}",
            number,
            _headerLines,
            _bodyOctets,
            _bodyLines,
            showBody ? string.Empty : " (body not shown; --show-body shows it)");
    }

    private void Add(ReadOnlySequence<byte> content, long lineOctets, bool cut)
    {
        if (_inBody)
        {
            _bodyLines++;
            _bodyOctets += lineOctets;
            if (showBody)
            {
                Show(content, lineOctets, cut);
            }

            return;
        }

        if (content.IsEmpty && !cut)
        {
            _inBody = true;
        }
        else
        {
            _headerLines++;
        }

        Show(content, lineOctets, cut);
    }

    private void Show(ReadOnlySequence<byte> content, long lineOctets, bool cut) =>
        transcript.Line(TranscriptDirection.ClientToTap, cut ? TranscriptText.Decode(content) + "… (line of " + lineOctets + " octets)" : TranscriptText.Decode(content));
}
