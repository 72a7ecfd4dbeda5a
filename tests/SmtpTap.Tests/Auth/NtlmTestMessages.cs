using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTap.Tests.Auth;

/// <summary>
/// NTLM messages for tests: the [MS-NLMP] 4.2.4 NTLMv2 example (User / Domain / COMPUTER / Password,
/// server challenge 0123456789abcdef, client challenge aa.., time 0) and a hand-built NTLMv1 one with the
/// 4.2.2 responses.
/// </summary>
internal static class NtlmTestMessages
{
    public const uint V2Flags = 0xE28A8233;

    /// <summary>NTOWFv1("Password") = MD4(UTF-16LE("Password")), [MS-NLMP] 4.2.2.1.2.</summary>
    public static readonly byte[] NtHash = Convert.FromHexString("a4f49c406510bdcab6824ee7c30fd852");

    public static readonly byte[] ServerChallenge = Convert.FromHexString("0123456789abcdef");

    public static readonly byte[] EncryptedSessionKey = Convert.FromHexString("c5dad2544fc9799094ce1ce90bc9d03e");

    public static readonly byte[] Mic = Convert.FromHexString("0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6");

    /// <summary>NbDomainName "Domain", NbComputerName "Server", EOL.</summary>
    public static readonly byte[] TargetInfo = Convert.FromHexString("02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000");

    /// <summary>CHALLENGE_MESSAGE of [MS-NLMP] 4.2.4.3.</summary>
    public static readonly byte[] Challenge = Convert.FromHexString(
        "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000");

    public static readonly byte[] V1LmResponse = Convert.FromHexString("98DEF7B87F88AA5DAFE2DF779688A172DEF11C7D5CCDEF13");

    public static readonly byte[] V1NtResponse = Convert.FromHexString("67C43011F30298A2AD35ECE64F16331C44BDBED927841F94");

    public static byte[] ResponseKeyNt() => HMACMD5.HashData(NtHash, Encoding.Unicode.GetBytes("USERDomain"));

    /// <summary>NTLMv2 response: NTProofStr || temp.</summary>
    public static byte[] NtV2Response()
    {
        byte[] temp = [1, 1, 0, 0, 0, 0, 0, 0, .. new byte[8], .. Enumerable.Repeat((byte)0xaa, 8), 0, 0, 0, 0, .. TargetInfo, 0, 0, 0, 0];
        var proof = HMACMD5.HashData(ResponseKeyNt(), (byte[])[.. ServerChallenge, .. temp]);
        return [.. proof, .. temp];
    }

    public static byte[] LmV2Response()
    {
        var clientChallenge = Enumerable.Repeat((byte)0xaa, 8).ToArray();
        return [.. HMACMD5.HashData(ResponseKeyNt(), (byte[])[.. ServerChallenge, .. clientChallenge]), .. clientChallenge];
    }

    public static byte[] AuthenticateV2() => Authenticate(
        V2Flags, LmV2Response(), NtV2Response(), "Domain", "User", "COMPUTER", EncryptedSessionKey, withVersionAndMic: true);

    public static byte[] AuthenticateV1() => Authenticate(
        0x00000201, V1LmResponse, V1NtResponse, "Domain", "User", "COMPUTER", [], withVersionAndMic: false);

    /// <summary>AUTHENTICATE_MESSAGE with payload in field order after a 64 (or 88) byte header.</summary>
    public static byte[] Authenticate(uint flags, byte[] lm, byte[] nt, string domain, string user, string workstation, byte[] key, bool withVersionAndMic)
    {
        var unicode = (flags & 1) != 0;
        byte[] Str(string s) => unicode ? Encoding.Unicode.GetBytes(s) : Encoding.ASCII.GetBytes(s);
        byte[][] fields = [lm, nt, Str(domain), Str(user), Str(workstation), key];
        var header = withVersionAndMic ? 88 : 64;
        var message = new byte[header + fields.Sum(f => f.Length)];
        "NTLMSSP\0"u8.CopyTo(message);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), 3);
        var offset = header;
        for (var i = 0; i < fields.Length; i++)
        {
            WriteBuffer(message, 12 + (8 * i), fields[i].Length, offset);
            fields[i].CopyTo(message, offset);
            offset += fields[i].Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(60), flags | (withVersionAndMic ? 0x02000000u : 0));
        if (withVersionAndMic)
        {
            byte[] version = [6, 0, 0x70, 0x17, 0, 0, 0, 15];
            version.CopyTo(message, 64);
            Mic.CopyTo(message, 72);
        }

        return message;
    }

    public static void WriteBuffer(byte[] message, int field, int length, int offset)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(field), (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(field + 2), (ushort)length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(field + 4), (uint)offset);
    }
}
