using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>A command forwarded upstream that still awaits its reply (RFC 2920: replies come in order).</summary>
internal sealed class PendingCommand(PendingKind kind)
{
    private readonly TaskCompletionSource<SmtpReply> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingKind Kind { get; } = kind;

    /// <summary>When the command was queued (Stopwatch timestamp), for the upstream latency metric.</summary>
    public long Created { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>
    /// Completes once the reply has been relayed to the client (or the client leg failed while it was relayed, see
    /// <see cref="Relayed"/>); cancelled if the session ends first.
    /// </summary>
    public Task<SmtpReply> Reply => _reply.Task;

    /// <summary>
    /// Client bytes that had reached the tap's socket, unread, when the server pump relayed this command's reply: they
    /// were sent before the client saw the reply (content after a refused DATA, a SASL response after a refused AUTH).
    /// </summary>
    public long ClientBytesWaitingAtReply { get; set; }

    /// <summary>The reply as the transcript showed it (server echoes of masked lines masked), set before <see cref="Complete"/>; null: as received.</summary>
    public SmtpReply? ReplyAsShown { get; set; }

    /// <summary>For an end of data (DATA's dot, BDAT LAST): the message whose record the verdict completes.</summary>
    public MessageDraft? Message { get; init; }

    /// <summary>False if the client leg failed while the reply was being relayed: the client never got it.</summary>
    public bool Relayed { get; private set; } = true;

    public void Complete(SmtpReply reply, bool relayed = true)
    {
        Relayed = relayed;
        _reply.TrySetResult(reply);
    }

    public void Abandon() => _reply.TrySetCanceled();
}
