using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Server to client: reads whole replies, matches each to the oldest pending command, rewrites EHLO
/// capabilities, decodes AUTH challenges for the transcript, and relays the server's bytes. The reply
/// to the end of data the client sees is always the server's own; if the server is lost first, the client
/// gets 451 (message not confirmed) or 421, never 250.
/// </summary>
internal sealed class ServerPump(SessionContext context)
{
    private readonly object _armGate = new();
    private CancellationTokenSource? _unarmedRead;

    private SessionTranscript Transcript => context.Transcript;

    /// <summary>Set by the client pump when it closes the upstream on purpose (refused message).</summary>
    public bool AbortedByTap { get; set; }

    public async Task<SessionEnd> RunAsync(CancellationToken cancellationToken)
    {
        PendingCommand? waiting = null;
        try
        {
            while (true)
            {
                waiting = context.Pending.Peek();
                var read = await ReadAsync(waiting, cancellationToken);
                waiting = context.Pending.Peek();
                if (read is null)
                {
                    if (waiting?.Kind == PendingKind.Quit)
                    {
                        return SessionEnd.Quit;
                    }

                    await TellClientUpstreamLostAsync(waiting, "the server closed the connection", cancellationToken);
                    return SessionEnd.ServerClosed;
                }

                if (waiting is null)
                {
                    Transcript.Lines(TranscriptDirection.ServerToTap, read.Reply);
                    if (read.Reply.Code == 421)
                    {
                        Transcript.Warning("The server closes the session (421 with no command outstanding); relayed");
                        await context.Client.WriteAsync(read.Raw, cancellationToken);
                        return SessionEnd.ServerClosed;
                    }

                    throw new PeerProtocolException("the server sent a reply no command asked for (" + read.Reply.Code + ")");
                }

                TapMetrics.UpstreamReply(waiting.Created);
                var relayed = await TryRelayAsync(waiting, read, cancellationToken);
                context.Pending.CompleteHead(read.Reply, relayed);
                if (waiting.Kind == PendingKind.Other && read.Reply.Code is >= 500 and <= 504 && context.CountCommandError())
                {
                    Transcript.Warning("Too many errors in this session: closing");
                    var cap = SmtpReply.Single(421, "4.7.0 smtptap: too many errors; closing");
                    Transcript.Lines(TranscriptDirection.TapToClient, cap);
                    await context.Client.WriteAsync(cap.ToWireString(), cancellationToken);
                    return SessionEnd.ProtocolViolation;
                }

                if (waiting.Kind == PendingKind.Quit)
                {
                    return SessionEnd.Quit;
                }

                if (read.Reply.Code == 421)
                {
                    return SessionEnd.ServerClosed;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A read may have started before the client pump queued the command it answers (e.g. the end of data).
            waiting = context.Pending.Peek() ?? waiting;
            await TellClientUpstreamLostAsync(waiting, "the server did not reply in time", CancellationToken.None);
            return SessionEnd.ServerTimeout;
        }
        catch (PeerProtocolException ex)
        {
            waiting = context.Pending.Peek() ?? waiting;
            await TellClientUpstreamLostAsync(waiting, ex.Message, CancellationToken.None);
            return SessionEnd.ProtocolViolation;
        }
        catch (WriteTimeoutException) when (!cancellationToken.IsCancellationRequested)
        {
            // Reported once by TapSession (either pump may notice the aborted client leg first).
            return SessionEnd.ClientTimeout;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            waiting = context.Pending.Peek() ?? waiting;
            await TellClientUpstreamLostAsync(waiting, "the connection to the server failed: " + ex.Message, CancellationToken.None);
            return SessionEnd.ServerError;
        }
    }

    private async Task<ReplyRead?> ReadAsync(PendingCommand? waiting, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (waiting is not null)
        {
            timeout.CancelAfter(TimeoutFor(waiting.Kind));
            return await ReplyReader.ReadAsync(context.Upstream.Reader, ReplyLimits.Default, timeout.Token, context.Client);
        }

        // Nothing pending yet: the read starts without a timer, and the first command the client pump queues arms it.
        lock (_armGate)
        {
            _unarmedRead = timeout;
        }

        try
        {
            if (context.Pending.Peek() is { } raced)
            {
                Arm(raced.Kind);
            }

            return await ReplyReader.ReadAsync(context.Upstream.Reader, ReplyLimits.Default, timeout.Token, context.Client);
        }
        finally
        {
            lock (_armGate)
            {
                _unarmedRead = null;
            }
        }
    }

    private TimeSpan TimeoutFor(PendingKind kind) => kind.IsEndOfData()
        ? context.Options.Limits.EndOfDataTimeout
        : context.Options.Limits.ServerReplyTimeout;

    /// <summary>Starts the reply timer of a read that began while nothing was pending (wired to <see cref="PendingReplies.Added"/>).</summary>
    public void Arm(PendingKind kind)
    {
        lock (_armGate)
        {
            _unarmedRead?.CancelAfter(TimeoutFor(kind));
        }
    }

    /// <summary>
    /// Relays one reply; false if the client leg failed meanwhile (a client that reset the connection right after its end
    /// of data). That is the client's loss, not the server's: the reply is still the server's verdict, the upstream is not
    /// reported lost, and the session ends when the client pump sees the failed leg.
    /// </summary>
    private async Task<bool> TryRelayAsync(PendingCommand command, ReplyRead read, CancellationToken cancellationToken)
    {
        try
        {
            await RelayAsync(command, read, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is (IOException or ObjectDisposedException) and not WriteTimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task RelayAsync(PendingCommand command, ReplyRead read, CancellationToken cancellationToken)
    {
        var reply = read.Reply;
        if (command.Kind is PendingKind.Data or PendingKind.Auth or PendingKind.AuthResponse or PendingKind.TapAuth or PendingKind.TapInject)
        {
            // Client bytes already here were sent before the client could see this reply.
            command.ClientBytesWaitingAtReply = context.Client.SocketAvailable;
        }

        switch (command.Kind)
        {
            case PendingKind.Helo:
                context.UpstreamChunking = false;
                context.UpstreamMaxSize = 0;
                Transcript.Lines(TranscriptDirection.ServerToTap, reply);
                break;
            case PendingKind.AuthCancel or PendingKind.TapInject:
                LogAuthReply(reply);
                return;
            case PendingKind.TapEhlo:
                Transcript.Lines(TranscriptDirection.ServerToTap, reply);
                if (reply.Code == 250)
                {
                    context.UpstreamAuthMechanisms = EhloRewriter.AuthMechanisms(reply);
                }

                return;
            case PendingKind.TapAuth:
                LogAuthReply(reply);
                if (reply.Code == 334)
                {
                    return;
                }

                break;
            case PendingKind.Ehlo:
                if (reply.Code == 250)
                {
                    context.UpstreamChunking = EhloRewriter.HasKeyword(reply, "CHUNKING");
                    context.UpstreamMaxSize = MessageSize.Advertised(reply);
                }

                context.ServerListedStartTls = reply.Code == 250 && EhloRewriter.HasKeyword(reply, "STARTTLS");
                context.UpstreamAuthMechanisms = EhloRewriter.AuthMechanisms(reply);
                var rewrite = EhloRewriter.Rewrite(reply, context.CapabilityPolicy(context.ServerListedStartTls));
                if (rewrite.Changed)
                {
                    var (serverMarks, clientMarks) = EhloRewriter.Marks(reply, rewrite.Reply);
                    Transcript.Lines(TranscriptDirection.ServerToTap, reply, marks: serverMarks);
                    foreach (var change in rewrite.Changes)
                    {
                        Transcript.Event(TranscriptMark.CapabilityRewrite, "Capabilities rewritten: {Change:l}", change);
                    }

                    Transcript.Lines(TranscriptDirection.TapToClient, rewrite.Reply, marks: clientMarks);
                    await context.Client.WriteAsync(rewrite.Reply.ToWireString(), cancellationToken);
                    return;
                }

                Transcript.Lines(TranscriptDirection.ServerToTap, reply);
                break;
            case PendingKind.Auth or PendingKind.AuthResponse:
                LogAuthReply(reply);
                break;
            case PendingKind.EndOfData or PendingKind.BdatLast:
                Transcript.Lines(TranscriptDirection.ServerToTap, reply);
                TapMetrics.Message(reply.IsPositiveCompletion ? "accepted" : "rejected");
                if (reply.IsPositiveCompletion)
                {
                    Interlocked.Increment(ref context.MessagesAccepted);
                    Transcript.Events.Information("Message accepted by the server: {Reply:l}", reply.Code + " " + reply.FirstLine);
                }
                else
                {
                    Transcript.Events.Information("Message NOT accepted by the server: {Reply:l}", reply.Code + " " + reply.FirstLine);
                }

                command.Message?.Verdict(reply);
                break;
            default:
                var shown = MaskEchoedPayloads(reply);
                command.ReplyAsShown = shown;
                Transcript.Lines(TranscriptDirection.ServerToTap, shown);
                break;
        }

        // Replies already buffered behind this one go out in the same write (the reader flushes before it waits).
        var flush = !read.MoreBuffered || command.Kind == PendingKind.Quit || reply.Code == 421;
        await context.Client.WriteAsync(new System.Buffers.ReadOnlySequence<byte>(read.Raw), flush, cancellationToken);
    }

    private void LogAuthReply(SmtpReply reply)
    {
        var sasl = context.Sasl;
        if (reply.Code == 334 && sasl is not null && reply.Lines.Count == 1 && EchoesPayload(reply.FirstLine))
        {
            Transcript.Line(TranscriptDirection.ServerToTap, "334 " + SaslMask.Placeholder + " [the server quoted the client's payload back; masked]");
            return;
        }

        if (reply.Code == 334 && sasl is not null && reply.Lines.Count == 1)
        {
            Transcript.Line(TranscriptDirection.ServerToTap, "334 " + sasl.DescribeServer(Encoding.UTF8.GetBytes(reply.FirstLine)), TranscriptMark.AuthChallenge);
            return;
        }

        Transcript.Lines(TranscriptDirection.ServerToTap, MaskEchoedPayloads(reply), ReplyContext.Auth);
        if (reply.Code != 334)
        {
            TapMetrics.Auth(sasl?.Mechanism ?? "unknown", reply.Code == 235);
            var explanation = AuthReplyExplainer.Explain(reply);
            if (explanation is not null)
            {
                Transcript.Events.Information("{AuthVerdict:l}", explanation);
            }

            context.Sasl = null;
            context.SaslPayloads.Clear();
        }
    }

    private bool EchoesPayload(string text) => context.SaslPayloads.Any(p => text.Contains(p, StringComparison.Ordinal));

    /// <summary>A server that quotes the client's SASL payload back (e.g. "501 cannot decode &lt;blob&gt;") must not leak it into the transcript.</summary>
    private SmtpReply MaskEchoedPayloads(SmtpReply reply)
    {
        if (context.SaslPayloads.Count == 0 && context.MaskedLines.Count == 0)
        {
            return reply;
        }

        string[] secrets;
        lock (context.MaskedLines)
        {
            secrets = [.. context.SaslPayloads, .. context.MaskedLines];
        }

        var lines = reply.Lines.Select(line =>
        {
            foreach (var secret in secrets)
            {
                line = line.Replace(secret, SaslMask.Placeholder, StringComparison.Ordinal);
            }

            return line;
        }).ToArray();
        return new SmtpReply(reply.Code, lines);
    }

    private async Task TellClientUpstreamLostAsync(PendingCommand? waiting, string why, CancellationToken cancellationToken)
    {
        context.UpstreamLost = true;
        waiting = context.Pending.Peek() ?? waiting;
        if (AbortedByTap)
        {
            return;
        }

        if (waiting is null && context.InMessage)
        {
            Transcript.Warning("Upstream lost during message content: " + why + "; the client gets 451 at its end of data, and the server never got one");
            return;
        }

        if (!context.ClaimUpstreamLossAnswer())
        {
            return;
        }

        var afterEndOfData = waiting?.Kind.IsEndOfData() == true;
        var reply = afterEndOfData
            ? SmtpReply.Single(451, $"4.4.2 smtptap: {why} before confirming the message; it may or may not have been delivered, please send it again")
            : SmtpReply.Single(421, $"4.4.2 smtptap: {why}; closing");
        Transcript.Warning("Upstream lost: " + why + (afterEndOfData ? " after the end of data: the client gets 451 and may resend (possible duplicate)" : string.Empty));
        Transcript.Lines(TranscriptDirection.TapToClient, reply);
        try
        {
            await context.Client.WriteAsync(reply.ToWireString(), cancellationToken);
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
