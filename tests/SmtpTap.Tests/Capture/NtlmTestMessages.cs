using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SmtpTap.Core.Capture;

namespace SmtpTap.Tests.Capture;

/// <summary>Builds client-side NTLM messages (Type 1 and an NTLMv2 Type 3) for the server tests.</summary>
internal static class NtlmTestMessages
{
    public static byte[] Negotiate()
    {
        var message = new byte[32];
        "NTLMSSP\0"u8.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), 0x00088207);
        return message;
    }

    public static byte[] Authenticate(string user, string domain, string password, byte[] serverChallenge)
    {
        var blob = new byte[28 + 4];
        blob[0] = 1;
        blob[1] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(8), DateTime.UtcNow.ToFileTimeUtc());
        RandomNumberGenerator.Fill(blob.AsSpan(16, 8));
        var ntowf = NtlmV2Verifier.NtOwfV2(password, user, domain);
        var proof = HMACMD5.HashData(ntowf, serverChallenge.Concat(blob).ToArray());
        byte[] ntResponse = [.. proof, .. blob];

        var domainBytes = Encoding.Unicode.GetBytes(domain);
        var userBytes = Encoding.Unicode.GetBytes(user);
        var workstation = Encoding.Unicode.GetBytes("WS");
        var lm = new byte[24];
        const int payload = 64;
        var message = new byte[payload + lm.Length + ntResponse.Length + domainBytes.Length + userBytes.Length + workstation.Length];
        "NTLMSSP\0"u8.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 3);
        var offset = payload;
        offset = Field(message, 12, lm, offset);
        offset = Field(message, 20, ntResponse, offset);
        offset = Field(message, 28, domainBytes, offset);
        offset = Field(message, 36, userBytes, offset);
        _ = Field(message, 44, workstation, offset);
        Field(message, 52, [], message.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(60), 0x00088205);
        return message;
    }

    private static int Field(byte[] message, int fieldOffset, byte[] value, int offset)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(fieldOffset), (ushort)value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(fieldOffset + 2), (ushort)value.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(fieldOffset + 4), (uint)offset);
        value.CopyTo(message, offset);
        return offset + value.Length;
    }
}
