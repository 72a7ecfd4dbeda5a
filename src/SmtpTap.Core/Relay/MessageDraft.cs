using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// A message whose record is published once two things are known, in either order: the server's verdict on its end of
/// data (the server pump) and its number and stored copy (the client pump, once its content went out and the copy is
/// complete). Published once; never if either does not come (the tap refused it, or the server was lost).
/// </summary>
internal sealed class MessageDraft(SessionTranscript transcript, MessageEnvelope.Entry? mail, MessageEnvelope.Entry[] recipients, bool chunked)
{
    private readonly Lock _gate = new();
    private SmtpReply? _verdict;
    private int? _number;
    private string? _filePath;
    private long _octets;
    private bool _published;

    public void Verdict(SmtpReply reply)
    {
        lock (_gate)
        {
            _verdict = reply;
        }

        TryPublish();
    }

    /// <param name="number">The message's number in its session.</param>
    /// <param name="filePath">The tap's complete .eml copy, or null.</param>
    /// <param name="octets">The message's size as RFC 1870 counts it.</param>
    public void Stored(int number, string? filePath, long octets)
    {
        lock (_gate)
        {
            _number = number;
            _filePath = filePath;
            _octets = octets;
        }

        TryPublish();
    }

    private void TryPublish()
    {
        SmtpReply verdict;
        int number;
        string? filePath;
        long octets;
        lock (_gate)
        {
            if (_published || _verdict is null || _number is null)
            {
                return;
            }

            _published = true;
            verdict = _verdict;
            number = _number.Value;
            filePath = _filePath;
            octets = _octets;
        }

        transcript.Message(new RelayedMessage(
            transcript.SessionId,
            number,
            DateTimeOffset.Now,
            mail?.Shown(),
            [.. recipients.Select(r => r.Shown())],
            new ShownReply(verdict.Code, verdict.Lines),
            chunked,
            filePath,
            octets));
    }
}
