using System.Buffers;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Streams message content upstream in bounded memory: DATA line by line (only CRLF ends a line, only
/// CRLF.CRLF ends the data, stuffed bytes forwarded unchanged) and BDAT chunks byte for byte. A message
/// the tap refuses (bare CR/LF/NUL, over-long line) never reaches the server's end of data.
/// </summary>
internal sealed class DataRelay(SessionContext context, ServerPump serverPump) : IAsyncDisposable
{
    /// <summary>The view of the BDAT message in progress (its lines run across chunks); null outside one.</summary>
    private BdatMessageView? _bdatView;

    /// <summary>The --capture-dir copy of the BDAT message in progress (its chunks appended as relayed); null outside one.</summary>
    private MessageTee? _bdatTee;
    private long _bdatOctets;

    /// <summary>Deletes the partial copy of a BDAT message that never got its LAST chunk.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_bdatTee is not null)
        {
            await _bdatTee.DisposeAsync();
            _bdatTee = null;
        }
    }

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
        var message = context.Envelope.TakeDraft(Transcript, chunked: false);
        var view = new MessageView(Transcript, context.Options.ShowBody);
        await using var tee = MessageTee.Open(context.Options.CaptureDirectory, context.Transcript.SessionId, number);
        var reader = context.Client.Reader;
        var rules = new DataContentRules(context.Options.LineEndings, context.Options.Limits.MaxDataLine, maxSize);
        var longLines = new LongLineReport(Transcript);
        var lineStart = new ArrayBufferWriter<byte>();
        using var rate = new DataRateBudget(context.Options.Limits);
        while (true)
        {
            var result = await rate.ReadAsync(reader, cancellationToken);
            var buffer = result.Buffer;
            var rest = buffer;
            var forwardFrom = buffer.Start;
            var ended = false;
            var queued = false;
            var endQueued = false;
            while (true)
            {
                var before = rest;
                var piece = LineFramer.Next(ref rest, PieceSize);
                if (!piece.HasValue)
                {
                    break;
                }

                var decision = rules.Decide(piece);
                if (decision.Action == DataAction.Refuse)
                {
                    var violation = decision.Violation!;
                    if (violation.Anomaly is "bare CR" or "bare LF" or "NUL")
                    {
                        Transcript.Events.Warning(
                            "WARNING: smuggling.suspect: {Anomaly:l} at message offset {Offset}: {Excerpt:l}",
                            violation.Anomaly,
                            violation.Offset,
                            violation.Excerpt);
                    }

                    return await RefuseAsync(violation, buffer.Slice(rest.Start), result.IsCompleted, rules.MidLine, rate, cancellationToken);
                }

                var normalise = decision.Action == DataAction.ForwardNormalised
                    || (decision.Action == DataAction.EndOfData && piece.Ending == LineEnding.BareLf);
                if (normalise)
                {
                    if (decision.Action == DataAction.EndOfData)
                    {
                        // Queued before the end of data can go out, so the server's verdict always finds its command.
                        view.Finish(number);
                        context.Pending.Add(PendingKind.EndOfData, message);
                        endQueued = true;
                    }

                    // Send what came before this line as received, then the line with CRLF instead of its bare LF.
                    queued = true;
                    if (!await ForwardPartAsync(buffer.Slice(forwardFrom, before.Start), piece.Content, cancellationToken))
                    {
                        return await ServerStoppedReadingAsync(buffer.Slice(rest.Start), result.IsCompleted, rate, cancellationToken);
                    }

                    forwardFrom = rest.Start;
                    if (rules.NormalisedLineEnds == 1)
                    {
                        Transcript.Events.Information("Bare LF line endings in message {MessageNumber} are normalised to CRLF before relaying (--line-endings fix)", number);
                    }
                }

                if (decision.Action == DataAction.EndOfData)
                {
                    ended = true;
                    break;
                }

                if (decision.StartsLine && decision.CompletesLine)
                {
                    ShowLine(view, piece.Content, decision.LineOctets);
                }
                else
                {
                    if (decision.StartsLine)
                    {
                        lineStart.ResetWrittenCount();
                    }

                    KeepLineStart(lineStart, piece.Content);
                    if (decision.CompletesLine)
                    {
                        ShowLine(view, new ReadOnlySequence<byte>(lineStart.WrittenMemory), decision.LineOctets);
                    }
                }

                if (decision.CompletesLine)
                {
                    if (decision.OverRfcLimit)
                    {
                        longLines.Add(decision.LineOctets);
                    }
                }

                if (tee is not null)
                {
                    await WriteTeeAsync(tee, piece, decision.StartsLine, normalise, cancellationToken);
                }
            }

            var forward = buffer.Slice(forwardFrom, rest.Start);
            if (ended)
            {
                if (!endQueued)
                {
                    view.Finish(number);
                }

                longLines.Finish(number);
                if (rules.NormalisedLineEnds > 0)
                {
                    Transcript.Events.Information("Message {MessageNumber}: {Count} bare LF line endings normalised to CRLF (--line-endings fix)", number, rules.NormalisedLineEnds);
                }

                if (!endQueued)
                {
                    context.Pending.Add(PendingKind.EndOfData, message);
                }
            }

            if (!forward.IsEmpty || queued)
            {
                rate.Received(buffer.Slice(0, rest.Start).Length);
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

                message.Stored(number, tee?.FinalPath, rules.Octets);
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

    /// <summary>A line longer than this without LF is relayed in pieces as it arrives (bounded memory).</summary>
    private const int PieceSize = 16 * 1024;

    /// <summary>The transcript shows at most this much of one line.</summary>
    private const int ShownLine = 2000;

    /// <summary>A DATA line for the view, unstuffed; a long line's kept start is shown cut, with its size.</summary>
    private static void ShowLine(MessageView view, ReadOnlySequence<byte> content, long lineOctets)
    {
        if (!content.IsEmpty && content.FirstSpan[0] == (byte)'.')
        {
            content = content.Slice(1);
        }

        view.Line(content, lineOctets, cut: content.Length + 2 < lineOctets);
    }

    private static void KeepLineStart(ArrayBufferWriter<byte> lineStart, ReadOnlySequence<byte> content)
    {
        var room = ShownLine - lineStart.WrittenCount;
        if (room <= 0)
        {
            return;
        }

        var take = content.Length > room ? content.Slice(0, room) : content;
        foreach (var segment in take)
        {
            lineStart.Write(segment.Span);
        }
    }

    private static async Task WriteTeeAsync(MessageTee tee, FramedPiece piece, bool startsLine, bool normalise, CancellationToken cancellationToken)
    {
        var bytes = normalise ? [.. piece.Content.ToArray(), (byte)'\r', (byte)'\n'] : piece.Bytes.ToArray();
        if (startsLine)
        {
            await tee.WriteUnstuffedAsync(bytes, cancellationToken);
        }
        else
        {
            await tee.WriteAsync(bytes, cancellationToken);
        }
    }

    /// <summary>Queues <paramref name="before"/> as received and <paramref name="content"/> with CRLF; false if the server connection failed.</summary>
    private async Task<bool> ForwardPartAsync(ReadOnlySequence<byte> before, ReadOnlySequence<byte> content, CancellationToken cancellationToken)
    {
        try
        {
            if (!before.IsEmpty)
            {
                await context.Upstream.WriteAsync(before, flush: false, cancellationToken);
            }

            byte[] line = [.. content.ToArray(), (byte)'\r', (byte)'\n'];
            await context.Upstream.WriteAsync(new ReadOnlySequence<byte>(line), flush: false, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Relays exactly <paramref name="size"/> octets after a BDAT command (RFC 3030).</summary>
    /// <param name="firstChunk">The first BDAT of its transaction: the message view starts afresh.</param>
    /// <param name="message">With the LAST chunk: the message record its verdict completes.</param>
    public async Task<SessionEnd?> RelayChunkAsync(long size, bool last, MessageDraft? message, bool firstChunk, CancellationToken cancellationToken)
    {
        context.InMessage = true;
        try
        {
            return await RelayChunkCoreAsync(size, last, message, firstChunk, cancellationToken);
        }
        finally
        {
            context.InMessage = false;
        }
    }

    private async Task<SessionEnd?> RelayChunkCoreAsync(long size, bool last, MessageDraft? message, bool firstChunk, CancellationToken cancellationToken)
    {
        if (firstChunk || _bdatView is null)
        {
            _bdatOctets = 0;
            _bdatView = new BdatMessageView(Transcript, context.Options.ShowBody);
            await DisposeAsync();
            _bdatTee = MessageTee.Open(context.Options.CaptureDirectory, Transcript.SessionId, Volatile.Read(ref context.MessagesRelayed) + 1);
        }

        var view = _bdatView;
        var reader = context.Client.Reader;
        var remaining = size;
        _bdatOctets += size;
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
                if (_bdatTee is not null)
                {
                    foreach (var segment in chunk)
                    {
                        await _bdatTee.WriteAsync(segment, cancellationToken);
                    }
                }

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
            string? stored = null;
            if (_bdatTee is { } tee)
            {
                await tee.CompleteAsync(cancellationToken);
                stored = tee.FinalPath;
                _bdatTee = null;
                await tee.DisposeAsync();
                Transcript.Events.Information("Message {MessageNumber} stored as {File:l}", number, stored);
            }

            message?.Stored(number, stored, _bdatOctets);
        }

        return null;
    }

    private async Task<SessionEnd> RefuseAsync(ContentViolation violation, ReadOnlySequence<byte> unread, bool clientDone, bool midLine, DataRateBudget rate, CancellationToken cancellationToken)
    {
        Transcript.Warning("Message refused by the tap: it contains " + violation.Description + "; the server is disconnected without the end of data");
        // After a bare LF the strict reading is still in the middle of a line (only CRLF starts one); an LF-only
        // client's end of data is read leniently (LF "." LF), as nothing of it goes upstream any more.
        var strictMidLine = violation.Anomaly == "bare LF" && !violation.LfOnlyClient;
        var scanner = midLine || strictMidLine
            ? EndOfDataScanner.MidLine(violation.LfOnlyClient)
            : EndOfDataScanner.AtLineStart(violation.LfOnlyClient);
        return await AbortMessageAsync(violation.Reply, unread, clientDone, rate, cancellationToken, scanner);
    }

    /// <summary>The server stopped taking content (write failed or timed out): it never got the end of data from the tap.</summary>
    private async Task<SessionEnd> ServerStoppedReadingAsync(ReadOnlySequence<byte> unread, bool clientDone, DataRateBudget rate, CancellationToken cancellationToken)
    {
        Transcript.Warning("The server stopped accepting message content (write failed or took longer than the data block timeout): upstream transaction aborted");
        var reply = SmtpReply.Single(451, "4.4.2 smtptap: the server stopped accepting the message content; it was not confirmed, please send it again");
        return await AbortMessageAsync(reply, unread, clientDone, rate, cancellationToken);
    }

    /// <summary>Closes the upstream without an end of data, reads the client's content to its end of data (within the rate rule), then answers and closes.</summary>
    private async Task<SessionEnd> AbortMessageAsync(SmtpReply reply, ReadOnlySequence<byte> unread, bool clientDone, DataRateBudget rate, CancellationToken cancellationToken, EndOfDataScanner? from = null)
    {
        AbortUpstream();
        var reader = context.Client.Reader;
        var scanner = from ?? EndOfDataScanner.AtLineStart();
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
        AbortUpstream();
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

    /// <summary>
    /// Reads and throws away message content that the client sent before the server refused DATA, up to its end of
    /// data (CRLF "." CRLF; with --line-endings fix LF "." LF too), under the minimum-rate rule.
    /// Returns the octets discarded, or null if the client closed first.
    /// </summary>
    public async Task<long?> DiscardToEndOfDataAsync(CancellationToken cancellationToken)
    {
        var reader = context.Client.Reader;
        var scanner = EndOfDataScanner.AtLineStart(lenient: context.Options.LineEndings == LineEndingPolicy.Fix);
        using var rate = new DataRateBudget(context.Options.Limits);
        long discarded = 0;
        while (true)
        {
            var result = await rate.ReadAsync(reader, cancellationToken);
            long offset = 0;
            foreach (var segment in result.Buffer)
            {
                var end = scanner.Feed(segment.Span);
                if (end >= 0)
                {
                    discarded += offset + end;
                    reader.AdvanceTo(result.Buffer.GetPosition(offset + end));
                    return discarded;
                }

                offset += segment.Length;
            }

            discarded += result.Buffer.Length;
            rate.Received(result.Buffer.Length);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Cuts the upstream leg without an end of data. Only the socket is closed: the server pump may be reading this leg's
    /// PipeReader right now, and completing a reader under a pending read (what DisposeAsync does) made that read throw
    /// InvalidOperationException, so the session died without its close event. The session disposes the leg at its end.
    /// </summary>
    private void AbortUpstream()
    {
        serverPump.AbortedByTap = true;
        context.Upstream.Disconnect();
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
