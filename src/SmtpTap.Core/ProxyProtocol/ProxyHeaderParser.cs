using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace SmtpTap.Core.ProxyProtocol;

/// <summary>
/// PROXY protocol v1 and v2 (HAProxy's proxy-protocol.txt), pure over the bytes received so far. It never asks for a
/// byte past the header: <see cref="ProxyParseResult.BytesNeeded"/> is a lower bound of what is left of it, so a
/// reader that reads exactly that many bytes at a time leaves whatever follows (SMTP, a TLS ClientHello) unread.
/// Anything that is not a complete, valid header of the expected version is <see cref="ProxyParseStatus.Invalid"/>
/// as early as the first byte that proves it.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>The longest v1 line, CRLF included (the spec's worst case: two full IPv6 addresses).</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// Address block plus TLVs the tap accepts after the 16 fixed bytes of v2 (the wire allows 65535). Load balancers
    /// send a few dozen bytes of TLVs (unique id, VPC endpoint, ALPN); 4096 leaves room for TLS details.
    /// </summary>
    public const int MaxV2Payload = 4096;

    public const int V2FixedLength = 16;

    /// <summary>"PROXY UNKNOWN\r\n": no v1 header is shorter.</summary>
    private const int ShortestV1 = 15;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>The largest header of the version, for a reader's buffer.</summary>
    public static int MaxLength(ProxyProtocolVersion version) => version == ProxyProtocolVersion.V1 ? MaxV1Length : V2FixedLength + MaxV2Payload;

    public static ProxyParseResult Parse(ReadOnlySpan<byte> input, ProxyProtocolVersion expected)
    {
        if (expected == ProxyProtocolVersion.None)
        {
            throw new ArgumentOutOfRangeException(nameof(expected), "no PROXY protocol version to parse");
        }

        if (input.IsEmpty)
        {
            return ProxyParseResult.NeedMore(expected == ProxyProtocolVersion.V1 ? ShortestV1 : V2FixedLength);
        }

        if (expected == ProxyProtocolVersion.V1 && StartsLike(input, V2Signature))
        {
            return ProxyParseResult.Invalid("a PROXY v2 header, but this listener expects v1 (proxy-protocol=v1)");
        }

        if (expected == ProxyProtocolVersion.V2 && StartsLike(input, V1Prefix))
        {
            return ProxyParseResult.Invalid("a PROXY v1 header, but this listener expects v2 (proxy-protocol=v2)");
        }

        return expected == ProxyProtocolVersion.V1 ? ParseV1(input) : ParseV2(input);
    }

    private static ProxyParseResult ParseV1(ReadOnlySpan<byte> input)
    {
        if (!StartsLike(input, V1Prefix))
        {
            return ProxyParseResult.Invalid(NotAHeader(input, "v1"));
        }

        var end = input.IndexOf("\r\n"u8);
        var text = end < 0 ? input : input[..end];
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if ((b < 0x20 || b > 0x7E) && !(b == (byte)'\r' && end < 0 && i == input.Length - 1))
            {
                return ProxyParseResult.Invalid($"PROXY v1 header: byte 0x{b:X2} at offset {i} (the line is printable ASCII ending in CRLF)");
            }
        }

        if (end < 0 ? input.Length >= MaxV1Length : end + 2 > MaxV1Length)
        {
            return ProxyParseResult.Invalid($"PROXY v1 header: no CRLF within {MaxV1Length} bytes");
        }

        if (end < 0)
        {
            return ProxyParseResult.NeedMore(Math.Max(1, ShortestV1 - input.Length));
        }

        var line = Encoding.ASCII.GetString(text);
        var fields = line.Split(' ');
        var protocol = fields[1];
        if (protocol == "UNKNOWN")
        {
            return ProxyParseResult.Complete(new ProxyHeader(ProxyProtocolVersion.V1, ProxyHeaderCommand.Unknown, null, null, end + 2));
        }

        if (protocol is not ("TCP4" or "TCP6"))
        {
            return ProxyParseResult.Invalid($"PROXY v1 header: unknown protocol '{protocol}' (TCP4, TCP6 or UNKNOWN)");
        }

        if (fields.Length != 6)
        {
            return ProxyParseResult.Invalid($"PROXY v1 header: expected 'PROXY {protocol} SOURCE DESTINATION SOURCE-PORT DESTINATION-PORT' with single spaces, got '{line}'");
        }

        var v4 = protocol == "TCP4";
        if (!TryParseAddress(fields[2], v4, out var source) || !TryParseAddress(fields[3], v4, out var destination))
        {
            return ProxyParseResult.Invalid($"PROXY v1 header: '{fields[2]}' or '{fields[3]}' is not an {(v4 ? "IPv4" : "IPv6")} address as {protocol} requires");
        }

        if (!TryParsePort(fields[4], out var sourcePort) || !TryParsePort(fields[5], out var destinationPort))
        {
            return ProxyParseResult.Invalid($"PROXY v1 header: '{fields[4]}' or '{fields[5]}' is not a port (0 to 65535)");
        }

        return ProxyParseResult.Complete(new ProxyHeader(ProxyProtocolVersion.V1, ProxyHeaderCommand.Proxy, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), end + 2));
    }

    private static ProxyParseResult ParseV2(ReadOnlySpan<byte> input)
    {
        if (!StartsLike(input, V2Signature))
        {
            return ProxyParseResult.Invalid(NotAHeader(input, "v2"));
        }

        if (input.Length < V2FixedLength)
        {
            return ProxyParseResult.NeedMore(V2FixedLength - input.Length);
        }

        var version = input[12] >> 4;
        var command = input[12] & 0x0F;
        var family = input[13] >> 4;
        var transport = input[13] & 0x0F;
        var length = BinaryPrimitives.ReadUInt16BigEndian(input[14..16]);
        if (version != 2)
        {
            return ProxyParseResult.Invalid($"PROXY v2 header: version {version} (only 2 exists)");
        }

        if (command > 1)
        {
            return ProxyParseResult.Invalid($"PROXY v2 header: unknown command {command} (0 LOCAL, 1 PROXY)");
        }

        if (length > MaxV2Payload)
        {
            return ProxyParseResult.Invalid($"PROXY v2 header: {length} bytes of addresses and TLVs, more than the {MaxV2Payload} accepted");
        }

        var isProxy = command == 1;
        if (isProxy)
        {
            var problem = family switch
            {
                0 => null,
                1 or 2 when transport != 1 => $"transport {transport} is not STREAM (TCP)",
                1 when length < 12 => $"{length} bytes cannot hold the IPv4 address block (12)",
                2 when length < 36 => $"{length} bytes cannot hold the IPv6 address block (36)",
                1 or 2 => null,
                3 => "a UNIX socket address is not supported (TCP4 or TCP6 only)",
                _ => $"unknown address family {family}",
            };
            if (problem is not null)
            {
                return ProxyParseResult.Invalid("PROXY v2 header: " + problem);
            }
        }

        var total = V2FixedLength + length;
        if (input.Length < total)
        {
            return ProxyParseResult.NeedMore(total - input.Length);
        }

        // TLVs (after the address block) are skipped: nothing in them changes who the client is.
        var payload = input[V2FixedLength..total];
        if (!isProxy)
        {
            return ProxyParseResult.Complete(new ProxyHeader(ProxyProtocolVersion.V2, ProxyHeaderCommand.Local, null, null, total));
        }

        if (family == 0)
        {
            return ProxyParseResult.Complete(new ProxyHeader(ProxyProtocolVersion.V2, ProxyHeaderCommand.Unknown, null, null, total));
        }

        var size = family == 1 ? 4 : 16;
        var source = new IPEndPoint(new IPAddress(payload[..size]), BinaryPrimitives.ReadUInt16BigEndian(payload[(2 * size)..]));
        var destination = new IPEndPoint(new IPAddress(payload[size..(2 * size)]), BinaryPrimitives.ReadUInt16BigEndian(payload[((2 * size) + 2)..]));
        return ProxyParseResult.Complete(new ProxyHeader(ProxyProtocolVersion.V2, ProxyHeaderCommand.Proxy, source, destination, total));
    }

    /// <summary>True when the input so far agrees with <paramref name="prefix"/> (as far as either goes).</summary>
    private static bool StartsLike(ReadOnlySpan<byte> input, ReadOnlySpan<byte> prefix)
    {
        var n = Math.Min(input.Length, prefix.Length);
        return input[..n].SequenceEqual(prefix[..n]);
    }

    private static string NotAHeader(ReadOnlySpan<byte> input, string version)
    {
        var shown = new StringBuilder();
        foreach (var b in input[..Math.Min(input.Length, 16)])
        {
            shown.Append(b is >= 0x20 and < 0x7F and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:X2}");
        }

        return $"no PROXY {version} header: the connection began with \"{shown}\"";
    }

    /// <summary>Dotted quad without leading zeros, or an IPv6 address in text form (no zone).</summary>
    private static bool TryParseAddress(string text, bool v4, out IPAddress address)
    {
        address = IPAddress.None;
        if (v4)
        {
            var parts = text.Split('.');
            if (parts.Length != 4)
            {
                return false;
            }

            var bytes = new byte[4];
            for (var i = 0; i < 4; i++)
            {
                if (!TryParseDecimal(parts[i], 3, out var value) || value > 255 || (parts[i].Length > 1 && parts[i][0] == '0'))
                {
                    return false;
                }

                bytes[i] = (byte)value;
            }

            address = new IPAddress(bytes);
            return true;
        }

        if (text.Length == 0 || text.Any(c => !(char.IsAsciiHexDigit(c) || c is ':' or '.')) || !IPAddress.TryParse(text, out var parsed)
            || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool TryParsePort(string text, out int port) => TryParseDecimal(text, 5, out port) && port <= 65535;

    private static bool TryParseDecimal(string text, int maxDigits, out int value)
    {
        value = 0;
        return text.Length is > 0 && text.Length <= maxDigits && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
