using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The envelope of the mail transaction in progress as the client pump forwarded it: the MAIL command and every RCPT,
/// each with the pending command that receives the server's reply. Only the client pump uses it.
/// </summary>
internal sealed class MessageEnvelope
{
    /// <summary>Recipients kept per message; later ones are relayed as always but left out of the message record.</summary>
    public const int MaxRecipients = 1000;

    private readonly List<Entry> _recipients = [];
    private Entry? _mail;

    /// <summary>A new transaction: MAIL as shown in the transcript.</summary>
    public void Mail(string shown, PendingCommand pending)
    {
        _recipients.Clear();
        _mail = new Entry(shown, EnvelopeAddress.Of(shown), pending);
    }

    public void Rcpt(string shown, PendingCommand pending)
    {
        if (_recipients.Count < MaxRecipients)
        {
            _recipients.Add(new Entry(shown, EnvelopeAddress.Of(shown), pending));
        }
    }

    /// <summary>RSET, EHLO, HELO: the transaction is gone.</summary>
    public void Reset()
    {
        _mail = null;
        _recipients.Clear();
    }

    /// <summary>The end of data is about to be queued: the message record's draft, and the transaction ends.</summary>
    public MessageDraft TakeDraft(SessionTranscript transcript, bool chunked)
    {
        var draft = new MessageDraft(transcript, _mail, [.. _recipients], chunked);
        Reset();
        return draft;
    }

    /// <summary>An envelope command and the pending command its reply completes.</summary>
    internal sealed record Entry(string Command, string Address, PendingCommand Pending)
    {
        /// <summary>The command with its reply as the transcript showed it (null if the reply never came).</summary>
        public EnvelopeCommand Shown() => new(
            Command,
            Address,
            Pending.Reply.IsCompletedSuccessfully && (Pending.ReplyAsShown ?? Pending.Reply.Result) is { } reply ? new ShownReply(reply.Code, reply.Lines) : null);
    }
}
