using System.Buffers;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>What the transcript shows of a message: the header lines, then a body summary (or every line with --show-body).</summary>
internal sealed class MessageView(SessionTranscript transcript, bool showBody)
{
    private bool _inBody;
    private long _bodyLines;
    private long _bodyOctets;
    private long _headerLines;

    /// <summary>One line as sent (still dot-stuffed); the transcript shows it unstuffed (RFC 5321 section 4.5.2).</summary>
    public void Line(ReadOnlySequence<byte> content) => Line(content, content.Length + 2 - (!content.IsEmpty && content.FirstSpan[0] == (byte)'.' ? 1 : 0));

    /// <summary>
    /// One line whose shown part may be only its start (a long line): <paramref name="lineOctets"/> is its real size with
    /// CRLF and without the stuffing dot; a shortened line ends with a note of its size.
    /// </summary>
    public void Line(ReadOnlySequence<byte> content, long lineOctets)
    {
        if (!content.IsEmpty && content.FirstSpan[0] == (byte)'.')
        {
            content = content.Slice(1);
        }

        var shown = content.Length + 2 < lineOctets
            ? TranscriptText.Decode(content) + " [... line of " + lineOctets + " octets]"
            : null;
        if (_inBody)
        {
            _bodyLines++;
            _bodyOctets += lineOctets;
            if (showBody)
            {
                transcript.Line(TranscriptDirection.ClientToTap, shown ?? TranscriptText.Decode(content));
            }

            return;
        }

        if (content.IsEmpty)
        {
            _inBody = true;
        }
        else
        {
            _headerLines++;
        }

        transcript.Line(TranscriptDirection.ClientToTap, shown ?? TranscriptText.Decode(content));
    }

    public void Finish(int number)
    {
        transcript.Line(TranscriptDirection.ClientToTap, ".");
        transcript.Events.Information(
            "Message {MessageNumber}: {HeaderLines} header lines, body {BodyOctets} octets in {BodyLines} lines{BodyNote:l}",
            number,
            _headerLines,
            _bodyOctets,
            _bodyLines,
            showBody ? string.Empty : " (body not shown; --show-body shows it)");
    }
}
