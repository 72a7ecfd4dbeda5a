namespace SmtpTap.Core.Relay;

/// <summary>
/// FIFO of commands forwarded upstream and not yet answered. The client pump adds before it writes;
/// the server pump removes only after the reply has reached the client, so "empty" means every reply
/// has been delivered (the quiesce point before the tap answers anything itself, e.g. STARTTLS).
/// </summary>
internal sealed class PendingReplies
{
    private readonly Lock _gate = new();
    private readonly Queue<PendingCommand> _queue = new();
    private TaskCompletionSource? _emptied;
    private PendingCommand? _lastEndOfData;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Called after each <see cref="Add"/> (the server pump arms its reply timeout with it).</summary>
    public Action<PendingKind>? Added { get; set; }

    /// <param name="kind">What the command is.</param>
    /// <param name="message">For an end of data: the message the verdict is about.</param>
    public PendingCommand Add(PendingKind kind, MessageDraft? message = null)
    {
        var command = new PendingCommand(kind) { Message = message };
        lock (_gate)
        {
            _queue.Enqueue(command);
            if (kind.IsEndOfData())
            {
                _lastEndOfData = command;
            }
        }

        Added?.Invoke(kind);
        return command;
    }

    public PendingCommand? Peek()
    {
        lock (_gate)
        {
            return _queue.TryPeek(out var head) ? head : null;
        }
    }

    /// <summary>True if the end of a message (DATA's dot or BDAT LAST) awaits the server's verdict.</summary>
    public bool AwaitsEndOfData
    {
        get
        {
            lock (_gate)
            {
                foreach (var command in _queue)
                {
                    if (command.Kind.IsEndOfData())
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }

    /// <summary>
    /// The end of data (DATA's dot or BDAT LAST) whose verdict the client may not have seen: the first one still
    /// awaiting the server's reply, or else the last one if the client leg failed while its reply was relayed.
    /// Awaiting its <see cref="PendingCommand.Reply"/> gives the server's verdict on that very message.
    /// </summary>
    public PendingCommand? EndOfDataNotSeenByClient()
    {
        lock (_gate)
        {
            foreach (var command in _queue)
            {
                if (command.Kind.IsEndOfData())
                {
                    return command;
                }
            }

            return _lastEndOfData is { Relayed: false, Reply.IsCompletedSuccessfully: true } ? _lastEndOfData : null;
        }
    }

    /// <param name="reply">The server's reply to the oldest pending command.</param>
    /// <param name="relayed">False if the client leg failed while the reply was relayed.</param>
    public void CompleteHead(Protocol.SmtpReply reply, bool relayed = true)
    {
        PendingCommand head;
        TaskCompletionSource? emptied = null;
        lock (_gate)
        {
            head = _queue.Dequeue();
            if (_queue.Count == 0)
            {
                emptied = _emptied;
                _emptied = null;
            }
        }

        head.Complete(reply, relayed);
        emptied?.TrySetResult();
    }

    public Task WhenEmptyAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_queue.Count == 0)
            {
                return Task.CompletedTask;
            }

            _emptied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptied.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Ends every wait: the session is over.</summary>
    public void AbandonAll()
    {
        PendingCommand[] all;
        TaskCompletionSource? emptied;
        lock (_gate)
        {
            all = [.. _queue];
            _queue.Clear();
            emptied = _emptied;
            _emptied = null;
        }

        foreach (var command in all)
        {
            command.Abandon();
        }

        emptied?.TrySetCanceled();
    }
}
