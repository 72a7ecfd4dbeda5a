using System.Buffers.Binary;
using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>Builds an NTLM CHALLENGE_MESSAGE (Type 2, MS-NLMP §2.2.1.2) with target info (NetBIOS/DNS names, timestamp).</summary>
internal static class NtlmChallengeMessage
{
    public const NtlmFlags ServerFlags =
        NtlmFlags.NegotiateUnicode | NtlmFlags.RequestTarget | NtlmFlags.NegotiateNtlm | NtlmFlags.NegotiateAlwaysSign |
        NtlmFlags.TargetTypeDomain | NtlmFlags.NegotiateExtendedSessionSecurity | NtlmFlags.NegotiateTargetInfo |
        NtlmFlags.NegotiateVersion | NtlmFlags.Negotiate128 | NtlmFlags.Negotiate56;

    private const int HeaderLength = 56;

    public static byte[] Build(ReadOnlySpan<byte> serverChallenge, string hostName, DateTimeOffset now)
    {
        var dot = hostName.IndexOf('.', StringComparison.Ordinal);
        var computer = dot > 0 ? hostName[..dot] : hostName;
        var dnsDomain = dot > 0 ? hostName[(dot + 1)..] : hostName;
        var netBiosComputer = NetBiosName(computer);
        var netBiosDomain = NetBiosName(dnsDomain.Split('.')[0]);

        var targetName = Encoding.Unicode.GetBytes(netBiosDomain);
        var targetInfo = BuildTargetInfo(netBiosDomain, netBiosComputer, dnsDomain, hostName, now);

        var message = new byte[HeaderLength + targetName.Length + targetInfo.Length];
        var span = message.AsSpan();
        "NTLMSSP\0"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 2);
        WriteField(span[12..], targetName.Length, HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)ServerFlags);
        serverChallenge[..8].CopyTo(span[24..]);
        WriteField(span[40..], targetInfo.Length, HeaderLength + targetName.Length);
        // Version: 10.0 build 0, NTLMSSP revision 15 (informational only).
        span[48] = 10;
        span[55] = 15;
        targetName.CopyTo(span[HeaderLength..]);
        targetInfo.CopyTo(span[(HeaderLength + targetName.Length)..]);
        return message;
    }

    private static string NetBiosName(string name)
    {
        var upper = name.ToUpperInvariant();
        return upper.Length > 15 ? upper[..15] : upper;
    }

    private static byte[] BuildTargetInfo(string netBiosDomain, string netBiosComputer, string dnsDomain, string dnsComputer, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        WriteAvPair(buffer, 2, Encoding.Unicode.GetBytes(netBiosDomain));
        WriteAvPair(buffer, 1, Encoding.Unicode.GetBytes(netBiosComputer));
        WriteAvPair(buffer, 4, Encoding.Unicode.GetBytes(dnsDomain));
        WriteAvPair(buffer, 3, Encoding.Unicode.GetBytes(dnsComputer));
        var timestamp = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(timestamp, now.ToFileTime());
        WriteAvPair(buffer, 7, timestamp);
        WriteAvPair(buffer, 0, []);
        return buffer.ToArray();
    }

    private static void WriteAvPair(MemoryStream buffer, ushort id, byte[] value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, id);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], checked((ushort)value.Length));
        buffer.Write(header);
        buffer.Write(value);
    }

    private static void WriteField(Span<byte> destination, int length, int offset)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, checked((ushort)length));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], checked((ushort)length));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)offset);
    }
}
