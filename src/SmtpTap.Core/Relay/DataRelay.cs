using System.Buffers;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Streams message content upstream in bounded memory: DATA line by line (only CRLF ends a line, only
/// CRLF.CRLF ends the data, stuffed bytes forwarded unchanged) and BDAT chunks byte for byte. A message
/// the tap refuses (bare CR/LF/NUL, over-long line) never reaches the server's end of data.
/// </summary>
internal sealed class DataRelay(SessionContext context, ServerPump serverPump)
{
    /// <summary>The view of the BDAT message in progress (its lines run across chunks); null outside one.</summary>
    private BdatMessageView? _bdatView;

    private SessionTranscript Transcript => context.Transcript;

    /// <summary>Runs after the server's 354. Returns null when the session goes on in command mode.</summary>
    /// <param name="maxSize">Largest message in wire octets (0: no limit).</param>
    public async Task<SessionEnd?> RelayDataAsync(long maxSize, CancellationToken cancellationToken)
    {
        context.InMessage = true;
        try
        {
            return await RelayDataCoreAsync(maxSize, cancellationToken);
        }
        finally
        {
            context.InMessage = false;
        }
    }

    private async Task<SessionEnd?> RelayDataCoreAsync(long maxSize, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref context.MessagesRelayed);
        var view = new MessageView(Transcript, context.Options.ShowBody);
        await using var tee = MessageTee.Open(context.Options.CaptureDirectory, context.Transcript.SessionId, number);
        var reader = context.Client.Reader;
        var maxLine = context.Options.Limits.MaxDataLine;
        long octets = 0;
        using var rate = new DataRateBudget(context.Options.Limits);
        while (true)
        {
            var result = await rate.ReadAsync(reader, cancellationToken);
            var buffer = result.Buffer;
            var rest = buffer;
            var ended = false;
            ContentViolation? violation = null;
            while (true)
            {
                // One more octet for a stuffing dot, which RFC 5321 section 4.5.3.1.6 does not count.
                var status = SmtpLineFramer.TryReadLine(ref rest, maxLine + 1, out var line);
                if (status == LineReadStatus.NeedMoreData)
                {
                    break;
                }

                if (status == LineReadStatus.TooLong || (line.Length > maxLine && line.FirstSpan[0] != (byte)'.'))
                {
                    violation = ContentViolation.LineTooLong(maxLine, octets);
                    break;
                }

                var content = SmtpLineFramer.Content(line);
                if (LineAnomaly.HasBareCrLfOrNul(content))
                {
                    violation = ContentViolation.BareLineEnd(content.ToArray(), octets);
                    Transcript.Events.Warning(
                        "WARNING: smuggling.suspect: {Anomaly:l} at message offset {Offset}: {Excerpt:l}",
                        violation.Anomaly,
                        violation.Offset,
                        violation.Excerpt);
                    break;
                }

                if (content.Length == 1 && content.FirstSpan[0] == (byte)'.')
                {
                    ended = true;
                    break;
                }

                octets += line.Length;
                if (maxSize > 0 && octets > maxSize)
                {
                    violation = ContentViolation.TooBig(maxSize);
                    break;
                }

                view.Line(content);
                if (tee is not null)
                {
                    await tee.WriteUnstuffedAsync(line.ToArray(), cancellationToken);
                }
            }

            if (violation is not null)
            {
                return await RefuseAsync(violation, buffer.Slice(rest.Start), result.IsCompleted, rate, cancellationToken);
            }

            var forward = buffer.Slice(0, rest.Start);
            if (ended)
            {
                view.Finish(number);
                context.Pending.Add(PendingKind.EndOfData);
            }

            if (!forward.IsEmpty)
            {
                rate.Received(forward.Length);
                if (context.UpstreamLost || !await ForwardAsync(forward, cancellationToken))
                {
                    return await ServerStoppedReadingAsync(buffer.Slice(rest.Start), ended || result.IsCompleted, rate, cancellationToken);
                }
            }

            if (ended)
            {
                reader.AdvanceTo(rest.Start);
                if (tee is not null)
                {
                    await tee.CompleteAsync(cancellationToken);
                    Transcript.Events.Information("Message {MessageNumber} stored as {File:l}", number, tee.FinalPath);
                }

                return null;
            }

            reader.AdvanceTo(rest.Start, buffer.End);
            if (result.IsCompleted)
            {
                Transcript.Warning("The client closed the connection in the middle of DATA: the server never got the end of data, so no partial message is delivered");
                return SessionEnd.ClientClosed;
            }
        }
    }

    /// <summary>Relays exactly <paramref name="size"/> octets after a BDAT command (RFC 3030).</summary>
    /// <param name="firstChunk">The first BDAT of its transaction: the message view starts afresh.</param>
    public async Task<SessionEnd?> RelayChunkAsync(long size, bool last, bool firstChunk, CancellationToken cancellationToken)
    {
        context.InMessage = true;
        try
        {
            return await RelayChunkCoreAsync(size, last, firstChunk, cancellationToken);
        }
        finally
        {
            context.InMessage = false;
        }
    }

    private async Task<SessionEnd?> RelayChunkCoreAsync(long size, bool last, bool firstChunk, CancellationToken cancellationToken)
    {
        if (firstChunk || _bdatView is null)
        {
            _bdatView = new BdatMessageView(Transcript, context.Options.ShowBody);
        }

        var view = _bdatView;
        var reader = context.Client.Reader;
        var remaining = size;
        using var rate = new DataRateBudget(context.Options.Limits);
        context.ChunkInFlight = remaining > 0;
        while (remaining > 0)
        {
            var result = await rate.ReadAsync(reader, cancellationToken);
            var buffer = result.Buffer;
            var take = Math.Min(remaining, buffer.Length);
            if (take > 0)
            {
                var chunk = buffer.Slice(0, take);
                rate.Received(take);
                if (context.UpstreamLost || !await ForwardAsync(chunk, cancellationToken))
                {
                    reader.AdvanceTo(chunk.End);
                    return await ServerStoppedReadingAsync(ReadOnlySequence<byte>.Empty, clientDone: true, rate, cancellationToken);
                }

                view.Feed(chunk);
                remaining -= take;
                reader.AdvanceTo(chunk.End);
                continue;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                Transcript.Warning("The client closed the connection in the middle of a BDAT chunk: the server never got the whole chunk, so no partial message is delivered");
                return SessionEnd.ClientClosed;
            }
        }

        context.ChunkInFlight = false;
        Transcript.Events.Information("BDAT chunk of {Size} octets relayed{Last:l}", size, last ? " (last)" : string.Empty);
        if (last)
        {
            var number = Interlocked.Increment(ref context.MessagesRelayed);
            Transcript.Events.Information("Message {MessageNumber} sent with BDAT", number);
            view.Finish(number);
            _bdatView = null;
        }

        return null;
    }

    private async Task<SessionEnd> RefuseAsync(ContentViolation violation, ReadOnlySequence<byte> unread, bool clientDone, DataRateBudget rate, CancellationToken cancellationToken)
    {
        Transcript.Warning("Message refused by the tap: it contains " + violation.Description + "; the server is disconnected without the end of data");
        return await AbortMessageAsync(violation.Reply, unread, clientDone, rate, cancellationToken);
    }

    /// <summary>The server stopped taking content (write failed or timed out): it never got the end of data from the tap.</summary>
    private async Task<SessionEnd> ServerStoppedReadingAsync(ReadOnlySequence<byte> unread, bool clientDone, DataRateBudget rate, CancellationToken cancellationToken)
    {
        Transcript.Warning("The server stopped accepting message content (write failed or took longer than the data block timeout): upstream transaction aborted");
        var reply = SmtpReply.Single(451, "4.4.2 smtptap: the server stopped accepting the message content; it was not confirmed, please send it again");
        return await AbortMessageAsync(reply, unread, clientDone, rate, cancellationToken);
    }

    /// <summary>Closes the upstream without an end of data, reads the client's content to its end of data (within the rate rule), then answers and closes.</summary>
    private async Task<SessionEnd> AbortMessageAsync(SmtpReply reply, ReadOnlySequence<byte> unread, bool clientDone, DataRateBudget rate, CancellationToken cancellationToken)
    {
        await AbortUpstreamAsync();
        var reader = context.Client.Reader;
        var scanner = EndOfDataScanner.AtLineStart();
        var found = Scan(ref scanner, unread);
        if (unread.Start.GetObject() is not null)
        {
            reader.AdvanceTo(unread.End);
        }

        try
        {
            while (!found && !clientDone)
            {
                var result = await rate.ReadAsync(reader, cancellationToken);
                found = Scan(ref scanner, result.Buffer);
                rate.Received(result.Buffer.Length);
                clientDone = result.IsCompleted;
                reader.AdvanceTo(result.Buffer.End);
            }
        }
        catch (ClientTooSlowException)
        {
        }

        if (!await TellClientAsync(reply, cancellationToken))
        {
            return SessionEnd.ServerClosed;
        }

        return SessionEnd.ProtocolViolation;
    }

    /// <summary>
    /// A BDAT chunk that would take the message over the size limit: the chunk is read and thrown away
    /// (never forwarded), the server is disconnected without BDAT LAST, and the client gets 552 then 421.
    /// </summary>
    public async Task<SessionEnd> RefuseChunkAsync(long size, long total, long limit, CancellationToken cancellationToken)
    {
        Transcript.Warning($"BDAT chunk of {size} octets takes the message to {total} octets, over the limit of {limit}: not forwarded; the server is disconnected without BDAT LAST");
        await context.Upstream.FlushAsync(cancellationToken);
        await context.Pending.WhenEmptyAsync(cancellationToken);
        await AbortUpstreamAsync();
        var reader = context.Client.Reader;
        using var rate = new DataRateBudget(context.Options.Limits);
        var remaining = size;
        try
        {
            while (remaining > 0)
            {
                var result = await rate.ReadAsync(reader, cancellationToken);
                var take = Math.Min(remaining, result.Buffer.Length);
                remaining -= take;
                rate.Received(take);
                reader.AdvanceTo(result.Buffer.GetPosition(take));
                if (take == 0 && result.IsCompleted)
                {
                    return SessionEnd.ClientClosed;
                }
            }
        }
        catch (ClientTooSlowException)
        {
        }

        await TellClientAsync(SmtpReply.Single(552, $"5.3.4 smtptap: message size exceeds fixed maximum message size ({limit} octets); nothing was delivered"), cancellationToken);
        return SessionEnd.ProtocolViolation;
    }

    private async Task AbortUpstreamAsync()
    {
        serverPump.AbortedByTap = true;
        context.Upstream.ShutdownSend();
        await context.Upstream.DisposeAsync();
    }

    /// <summary>Sends the tap's answer and a closing 421; false when the server pump already answered the client.</summary>
    private async Task<bool> TellClientAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        if (!context.ClaimUpstreamLossAnswer())
        {
            return false;
        }

        var closing = SmtpReply.Single(421, "4.4.2 smtptap: the server session was aborted; closing");
        Transcript.Lines(TranscriptDirection.TapToClient, reply);
        Transcript.Lines(TranscriptDirection.TapToClient, closing);
        try
        {
            await context.Client.WriteAsync(reply.ToWireString() + closing.ToWireString(), cancellationToken);
        }
        catch (IOException)
        {
        }

        return true;
    }

    /// <summary>Writes content upstream; false if the server connection failed or stopped reading.</summary>
    private async Task<bool> ForwardAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            await context.Upstream.WriteAsync(data, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool Scan(ref EndOfDataScanner scanner, ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            if (scanner.Feed(segment.Span) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
