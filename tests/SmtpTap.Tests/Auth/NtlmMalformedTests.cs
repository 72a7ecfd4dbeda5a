using System.Buffers.Binary;
using SmtpTap.Core.Auth;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class NtlmMalformedTests
{
    private const string Masked = "******** [malformed NTLM message, masked]";

    public static TheoryData<string, byte[]> Cases()
    {
        var data = new TheoryData<string, byte[]>();
        var valid = NtlmTestMessages.AuthenticateV2();

        data.Add("offset past end", With(valid, m => BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(40), (uint)m.Length)));
        data.Add("length 0xFFFF", With(valid, m => BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(36), 0xFFFF)));
        data.Add("offset 0xFFFFFFFF", With(valid, m => BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(40), 0xFFFFFFFF)));
        data.Add("negative-looking offset", With(valid, m => BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(40), -8)));
        data.Add("offset into header", With(valid, m => BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(40), 8)));
        data.Add("user overlaps nt response", With(valid, m => m.AsSpan(24, 4).CopyTo(m.AsSpan(40))));
        data.Add("odd-length UTF-16 user", With(valid, m => BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(36), 7)));
        data.Add("wrong signature", With(valid, m => m[0] = (byte)'X'));
        data.Add("message type 4", With(valid, m => m[8] = 4));
        data.Add("truncated header", valid[..40]);
        data.Add("signature only", valid[..8]);
        data.Add("challenge with av pair past end", With(NtlmTestMessages.Challenge, m => BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(0x44 + 2), 0x7FFF)));
        data.Add("challenge timestamp wrong size", ChallengeWithInfo([7, 0, 4, 0, 1, 2, 3, 4, 0, 0, 0, 0]));
        data.Add("challenge truncated av header", ChallengeWithInfo([2, 0]));
        data.Add("challenge target info past end", With(NtlmTestMessages.Challenge, m => BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(40), 0x1000)));
        data.Add("negotiate domain past end", NegotiateWithDomain(length: 50, offset: 32));
        data.Add("negotiate domain into header", NegotiateWithDomain(length: 4, offset: 4));
        var random = new byte[12 * 1024];
        new Random(28).NextBytes(random);
        data.Add("12 KB random", random);
        data.Add("12 KB random with signature", [.. "NTLMSSP\0"u8, 3, 0, 0, 0, .. random]);
        data.Add("too large", [.. "NTLMSSP\0"u8, 1, 0, 0, 0, .. new byte[NtlmDecoder.MaxMessageBytes]]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ntlm_MalformedMessage_MaskedWithoutException(string name, byte[] message)
    {
        Assert.False(NtlmDecoder.TryDecode(message, out var decoded, out var reason), name);
        Assert.Null(decoded);
        Assert.False(string.IsNullOrEmpty(reason));

        Assert.Equal(Masked, Create("NTLM").Client(B64(message)));
        Assert.Equal(Masked, Create("NTLM").Server(B64(message)));
    }

    [Fact]
    public void Ntlm_Type3WithoutPriorType2_StillDescribedSafely()
    {
        var text = Create("NTLM").Client(B64(NtlmTestMessages.AuthenticateV1()), initial: true);

        Assert.StartsWith("******** [NTLM AUTHENTICATE (type 3): NTLMv1", text, StringComparison.Ordinal);
    }

    private static byte[] With(byte[] source, Action<byte[]> change)
    {
        var copy = (byte[])source.Clone();
        change(copy);
        return copy;
    }

    private static byte[] ChallengeWithInfo(byte[] info)
    {
        var message = new byte[48 + info.Length];
        "NTLMSSP\0"u8.CopyTo(message);
        message[8] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(20), 0x00800001);
        NtlmTestMessages.WriteBuffer(message, 40, info.Length, 48);
        info.CopyTo(message, 48);
        return message;
    }

    private static byte[] NegotiateWithDomain(int length, int offset)
    {
        var message = new byte[40];
        "NTLMSSP\0"u8.CopyTo(message);
        message[8] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(12), 0x00001207);
        NtlmTestMessages.WriteBuffer(message, 16, length, offset);
        return message;
    }
}
