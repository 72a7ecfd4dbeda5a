using System.Buffers;

namespace SmtpTap.Core.ProxyProtocol;

/// <summary>
/// Reads one PROXY header from a stream, asking only for the bytes the parser says still belong to it: the
/// stream is left exactly at the first byte after the header (the SMTP or TLS bytes are never touched).
/// </summary>
internal static class ProxyHeaderReader
{
    /// <summary>A <see cref="ProxyParseStatus.Complete"/> or <see cref="ProxyParseStatus.Invalid"/> result; cancellation is the caller's timeout.</summary>
    public static async Task<ProxyParseResult> ReadAsync(Stream stream, ProxyProtocolVersion version, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ProxyHeaderParser.MaxLength(version));
        try
        {
            var filled = 0;
            while (true)
            {
                var result = ProxyHeaderParser.Parse(buffer.AsSpan(0, filled), version);
                if (result.Status != ProxyParseStatus.NeedMore)
                {
                    return result;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(filled, result.BytesNeeded), cancellationToken);
                if (read == 0)
                {
                    return ProxyParseResult.Invalid(filled == 0
                        ? "the connection closed before a PROXY header"
                        : $"the connection closed after {filled} bytes of an incomplete PROXY header");
                }

                filled += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
