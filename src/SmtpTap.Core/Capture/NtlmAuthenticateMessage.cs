using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>The parts of an NTLM AUTHENTICATE_MESSAGE (Type 3, MS-NLMP §2.2.1.3) the server needs; parsing checks every bound.</summary>
internal sealed record NtlmAuthenticateMessage(string UserName, string DomainName, byte[] NtChallengeResponse)
{
    private const int MinimumLength = 64;

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out NtlmAuthenticateMessage? result)
    {
        result = null;
        if (message.Length < MinimumLength || !message[..8].SequenceEqual("NTLMSSP\0"u8) ||
            BinaryPrimitives.ReadUInt32LittleEndian(message[8..]) != 3)
        {
            return false;
        }

        var flags = (NtlmFlags)BinaryPrimitives.ReadUInt32LittleEndian(message[60..]);
        var encoding = (flags & NtlmFlags.NegotiateUnicode) != 0 ? Encoding.Unicode : Encoding.Latin1;
        if (!TryReadField(message, 20, out var ntResponse) ||
            !TryReadField(message, 28, out var domain) ||
            !TryReadField(message, 36, out var user) ||
            (encoding == Encoding.Unicode && (domain.Length % 2 != 0 || user.Length % 2 != 0)))
        {
            return false;
        }

        result = new NtlmAuthenticateMessage(encoding.GetString(user), encoding.GetString(domain), ntResponse.ToArray());
        return true;
    }

    private static bool TryReadField(ReadOnlySpan<byte> message, int fieldOffset, out ReadOnlySpan<byte> value)
    {
        value = default;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(message[fieldOffset..]);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(message[(fieldOffset + 4)..]);
        if (offset > (uint)message.Length || length > message.Length - (int)offset)
        {
            return false;
        }

        value = message.Slice((int)offset, length);
        return true;
    }
}
