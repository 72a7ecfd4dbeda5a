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
    private SessionTranscript Transcript => context.Transcript;

    /// <summary>Runs after the server's 354. Returns null when the session goes on in command mode.</summary>
    /// <param name="maxSize">Largest message in wire octets (0: no limit).</param>
    public async Task<SessionEnd?> RelayDataAsync(long maxSize, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref context.MessagesRelayed);
        var view = new MessageView(Transcript, context.Options.ShowBody);
        await using var tee = MessageTee.Open(context.Options.CaptureDirectory, context.Transcript.SessionId, number);
        var reader = context.Client.Reader;
        var maxLine = context.Options.Limits.MaxDataLine;
        long octets = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
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
                return await RefuseAsync(violation, buffer.Slice(rest.Start), result.IsCompleted, cancellationToken);
            }

            var forward = buffer.Slice(0, rest.Start);
            if (ended)
            {
                view.Finish(number);
                context.Pending.Add(PendingKind.EndOfData);
            }

            if (!forward.IsEmpty)
            {
                await context.Upstream.WriteAsync(forward, cancellationToken);
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
    public async Task<SessionEnd?> RelayChunkAsync(long size, bool last, CancellationToken cancellationToken)
    {
        var reader = context.Client.Reader;
        var remaining = size;
        while (remaining > 0)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var take = Math.Min(remaining, buffer.Length);
            if (take > 0)
            {
                var chunk = buffer.Slice(0, take);
                await context.Upstream.WriteAsync(chunk, cancellationToken);
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

        Transcript.Events.Information("BDAT chunk of {Size} octets relayed{Last:l}", size, last ? " (last)" : string.Empty);
        if (last)
        {
            var number = Interlocked.Increment(ref context.MessagesRelayed);
            Transcript.Events.Information("Message {MessageNumber} sent with BDAT", number);
        }

        return null;
    }

    /// <summary>
    /// A BDAT chunk that would take the message over the size limit: the chunk is read and thrown away
    /// (never forwarded), the server is disconnected without BDAT LAST, and the client gets 552 then 421.
    /// </summary>
    public async Task<SessionEnd> RefuseChunkAsync(long size, long total, long limit, CancellationToken cancellationToken)
    {
        Transcript.Warning($"BDAT chunk of {size} octets takes the message to {total} octets, over the limit of {limit}: not forwarded; the server is disconnected without BDAT LAST");
        await context.Pending.WhenEmptyAsync(cancellationToken);
        await AbortUpstreamAsync();
        var reader = context.Client.Reader;
        var remaining = size;
        while (remaining > 0)
        {
            var result = await ReadDiscardingAsync(cancellationToken);
            var take = Math.Min(remaining, result.Buffer.Length);
            remaining -= take;
            reader.AdvanceTo(result.Buffer.GetPosition(take));
            if (take == 0 && result.IsCompleted)
            {
                return SessionEnd.ClientClosed;
            }
        }

        await TellClientAsync(SmtpReply.Single(552, $"5.3.4 smtptap: message size exceeds fixed maximum message size ({limit} octets); nothing was delivered"), cancellationToken);
        return SessionEnd.ProtocolViolation;
    }

    /// <summary>A read while the tap throws the rest of a refused message away: bounded by the client idle timeout.</summary>
    private async Task<System.IO.Pipelines.ReadResult> ReadDiscardingAsync(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(context.Options.Limits.ClientIdleTimeout);
        try
        {
            return await context.Client.Reader.ReadAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClientIdleException();
        }
    }

    private async Task AbortUpstreamAsync()
    {
        serverPump.AbortedByTap = true;
        context.Upstream.ShutdownSend();
        await context.Upstream.DisposeAsync();
    }

    private async Task TellClientAsync(SmtpReply refusal, CancellationToken cancellationToken)
    {
        var closing = SmtpReply.Single(421, "4.4.2 smtptap: the server session was aborted; closing");
        Transcript.Lines(TranscriptDirection.TapToClient, refusal);
        Transcript.Lines(TranscriptDirection.TapToClient, closing);
        try
        {
            await context.Client.WriteAsync(refusal.ToWireString() + closing.ToWireString(), cancellationToken);
        }
        catch (IOException)
        {
        }
    }

    private async Task<SessionEnd> RefuseAsync(ContentViolation violation, ReadOnlySequence<byte> unread, bool clientDone, CancellationToken cancellationToken)
    {
        Transcript.Warning("Message refused by the tap: it contains " + violation.Description + "; the server is disconnected without the end of data");
        await AbortUpstreamAsync();
        var reader = context.Client.Reader;
        var scanner = EndOfDataScanner.AtLineStart();
        var found = Scan(ref scanner, unread);
        reader.AdvanceTo(unread.End);
        while (!found && !clientDone)
        {
            var result = await ReadDiscardingAsync(cancellationToken);
            found = Scan(ref scanner, result.Buffer);
            clientDone = result.IsCompleted;
            reader.AdvanceTo(result.Buffer.End);
        }

        await TellClientAsync(violation.Reply, cancellationToken);
        return SessionEnd.ProtocolViolation;
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
