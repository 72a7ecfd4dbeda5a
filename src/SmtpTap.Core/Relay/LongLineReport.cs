using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Flags text lines over RFC 5321's 1000 octets that the tap relays anyway (servers take them): the first few
/// each get a transcript line, the rest are counted in one line at the end of the message.
/// </summary>
internal sealed class LongLineReport(SessionTranscript transcript)
{
    private const int Shown = 3;
    private int _count;
    private long _longest;

    public void Add(long octets)
    {
        _count++;
        _longest = Math.Max(_longest, octets);
        if (_count <= Shown)
        {
            transcript.Events.Information(
                "Line of {LineOctets} octets, over RFC 5321's {RfcLimit} (relayed; the server decides; --max-line-length enforces a limit)",
                octets,
                DataContentRules.RfcTextLine);
        }
    }

    public void Finish(int number)
    {
        if (_count > Shown)
        {
            transcript.Events.Information(
                "Message {MessageNumber}: {LongLines} lines over RFC 5321's {RfcLimit} octets, the longest {LongestLine} octets",
                number,
                _count,
                DataContentRules.RfcTextLine,
                _longest);
        }
    }
}
