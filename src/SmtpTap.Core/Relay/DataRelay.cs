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
    public async Task<SessionEnd?> RelayDataAsync(CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref context.MessagesRelayed);
        var view = new MessageView(Transcript, context.Options.ShowBody);
        await using var tee = MessageTee.Open(context.Options.CaptureDirectory, context.Transcript.SessionId, number);
        var reader = context.Client.Reader;
        var maxLine = context.Options.Limits.MaxDataLine;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var rest = buffer;
            var ended = false;
            string? violation = null;
            while (true)
            {
                var status = SmtpLineFramer.TryReadLine(ref rest, maxLine, out var line);
                if (status == LineReadStatus.NeedMoreData)
                {
                    break;
                }

                if (status == LineReadStatus.TooLong)
                {
                    violation = $"a text line longer than {maxLine} octets (RFC 5321 section 4.5.3.1.6)";
                    break;
                }

                var content = SmtpLineFramer.Content(line);
                if (LineAnomaly.HasBareCrLfOrNul(content))
                {
                    violation = "a bare CR, bare LF or NUL inside the message (SMTP smuggling risk)";
                    break;
                }

                if (content.Length == 1 && content.FirstSpan[0] == (byte)'.')
                {
                    ended = true;
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

    private async Task<SessionEnd> RefuseAsync(string violation, ReadOnlySequence<byte> unread, bool clientDone, CancellationToken cancellationToken)
    {
        Transcript.Warning("Message refused by the tap: it contains " + violation + "; the server is disconnected without the end of data");
        serverPump.AbortedByTap = true;
        context.Upstream.ShutdownSend();
        await context.Upstream.DisposeAsync();
        var reader = context.Client.Reader;
        var scanner = EndOfDataScanner.AtLineStart();
        var found = Scan(ref scanner, unread);
        reader.AdvanceTo(unread.End);
        while (!found && !clientDone)
        {
            var result = await reader.ReadAsync(cancellationToken);
            found = Scan(ref scanner, result.Buffer);
            clientDone = result.IsCompleted;
            reader.AdvanceTo(result.Buffer.End);
        }

        var refusal = SmtpReply.Single(550, "5.6.0 smtptap: message refused: it contains " + violation + "; nothing was delivered");
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
