using System.Buffers;
using System.IO.Pipelines;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>Reads whole SMTP replies from a leg's reader; returns null at a clean end of stream.</summary>
internal static class ReplyReader
{
    /// <param name="flushBeforeWait">A leg with queued writes to send before this read has to wait for the network.</param>
    public static async ValueTask<ReplyRead?> ReadAsync(PipeReader reader, ReplyLimits limits, CancellationToken cancellationToken, SmtpConnection? flushBeforeWait = null)
    {
        while (true)
        {
            if (flushBeforeWait is null || !reader.TryRead(out var result))
            {
                if (flushBeforeWait is not null)
                {
                    await flushBeforeWait.FlushAsync(cancellationToken);
                }

                result = await reader.ReadAsync(cancellationToken);
            }

            var buffer = result.Buffer;
            var status = SmtpReplyParser.TryParse(ref buffer, limits, out var reply, out var raw, out var error);
            switch (status)
            {
                case ReplyParseStatus.Complete:
                    var bytes = raw.ToArray();
                    var more = buffer.Length;
                    reader.AdvanceTo(buffer.Start);
                    return new ReplyRead(reply!, bytes, more);
                case ReplyParseStatus.Malformed:
                    reader.AdvanceTo(result.Buffer.End);
                    throw new PeerProtocolException("malformed reply from the server: " + error);
                default:
                    if (result.IsCompleted)
                    {
                        var partial = !result.Buffer.IsEmpty;
                        reader.AdvanceTo(result.Buffer.End);
                        if (partial)
                        {
                            throw new PeerProtocolException("the server closed the connection in the middle of a reply");
                        }

                        return null;
                    }

                    reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    break;
            }
        }
    }
}
