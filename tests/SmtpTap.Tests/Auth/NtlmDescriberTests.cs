using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Tests.Support;
using static SmtpTap.Tests.Auth.AuthTestText;

namespace SmtpTap.Tests.Auth;

public sealed class NtlmDescriberTests
{
    [Fact]
    public void Ntlm_MsNlmpVectors_AreTheSpecValues()
    {
        Assert.Equal("0c868a403bfd7a93a3001ef22ef02e3f", Convert.ToHexStringLower(NtlmTestMessages.ResponseKeyNt()));
        Assert.Equal("68cd0ab851e51c96aabc927bebef6a1c", Convert.ToHexStringLower(NtlmTestMessages.NtV2Response()[..16]));
        Assert.Equal("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa", Convert.ToHexStringLower(NtlmTestMessages.LmV2Response()));
    }

    [Fact]
    public void Ntlm_V2Exchange_ShowsIdentityMasksResponses()
    {
        var d = Create("NTLM");

        var hello = d.Server("NTLM supported");
        var type1 = d.Client("TlRMTVNTUAABAAAAB6IAAAAAAAAAAAAAAAAAAAAAAAA=");
        var type2 = d.Server(B64(NtlmTestMessages.Challenge));
        var type3 = d.Client(B64(NtlmTestMessages.AuthenticateV2()));

        Assert.Equal("NTLM supported [plain text, not base64]", hello);
        Assert.Equal("******** [NTLM NEGOTIATE (type 1): flags=0x0000A207 (NEGOTIATE_UNICODE | NEGOTIATE_OEM | REQUEST_TARGET | NEGOTIATE_NTLM | NEGOTIATE_OEM_WORKSTATION_SUPPLIED | NEGOTIATE_ALWAYS_SIGN), workstation=]", type1);
        Assert.Equal(
            "******** [NTLM CHALLENGE (type 2): flags=0xE28A8233 (NEGOTIATE_UNICODE | NEGOTIATE_OEM | NEGOTIATE_SIGN | NEGOTIATE_SEAL | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN | TARGET_TYPE_SERVER | NEGOTIATE_EXTENDED_SESSIONSECURITY | NEGOTIATE_TARGET_INFO | NEGOTIATE_VERSION | NEGOTIATE_128 | NEGOTIATE_KEY_EXCH | NEGOTIATE_56), target name=Server, server challenge (8 bytes), target info: NbDomainName=Domain, NbComputerName=Server, version=6.0.6000 (NTLM revision 15)]",
            type2);
        Assert.StartsWith("******** [NTLM AUTHENTICATE (type 3): NTLMv2, domain=Domain, user=User, workstation=COMPUTER, flags=0xE28A8233", type3, StringComparison.Ordinal);
        Assert.EndsWith("lm response=********, nt response=********, session key=********, mic=********, version=6.0.6000 (NTLM revision 15)]", type3, StringComparison.Ordinal);

        var all = string.Join('\n', hello, type1, type2, type3);
        SecretCanary.AssertAbsent(NtlmTestMessages.ServerChallenge, all);
        SecretCanary.AssertAbsent(NtlmTestMessages.NtV2Response()[..16], all);
        SecretCanary.AssertAbsent(NtlmTestMessages.NtV2Response(), all);
        SecretCanary.AssertAbsent(NtlmTestMessages.LmV2Response()[..16], all);
        SecretCanary.AssertAbsent(NtlmTestMessages.EncryptedSessionKey, all);
        SecretCanary.AssertAbsent(NtlmTestMessages.Mic, all);
        SecretCanary.AssertAbsent(NtlmTestMessages.NtHash, all);
        SecretCanary.AssertAbsent("Password", all);
    }

    [Fact]
    public void Ntlm_V1Authenticate_SaysNtlmV1AndMasksResponses()
    {
        var type3 = Create("NTLM").Client(B64(NtlmTestMessages.AuthenticateV1()));

        Assert.Equal("******** [NTLM AUTHENTICATE (type 3): NTLMv1, domain=Domain, user=User, workstation=COMPUTER, flags=0x00000201 (NEGOTIATE_UNICODE | NEGOTIATE_NTLM), lm response=********, nt response=********]", type3);
        SecretCanary.AssertAbsent(NtlmTestMessages.V1LmResponse, type3);
        SecretCanary.AssertAbsent(NtlmTestMessages.V1NtResponse, type3);
    }

    [Fact]
    public void Ntlm_OemStrings_WhenUnicodeFlagClear()
    {
        var message = NtlmTestMessages.Authenticate(0x00000202, new byte[24], new byte[24], "DOM", "validuser", "WS", [], withVersionAndMic: false);

        var text = Create("NTLM").Client(B64(message));

        Assert.Contains("domain=DOM, user=validuser, workstation=WS", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ntlm_SwaksType2_Decoded()
    {
        var text = Create("NTLM").Server("TlRMTVNTUAACAAAAAAAAAAAoAAABggAAbco4uro6HnYAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal("******** [NTLM CHALLENGE (type 2): flags=0x00008201 (NEGOTIATE_UNICODE | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN), target name=, server challenge (8 bytes)]", text);
        SecretCanary.AssertAbsent(Convert.FromHexString("6dca38baba3a1e76"), text);
    }

    [Fact]
    public void Ntlm_Type1WithDomainAndVersion_Decoded()
    {
        var message = new byte[40 + 6 + 4];
        "NTLMSSP\0"u8.CopyTo(message);
        message[8] = 1;
        BitConverter.TryWriteBytes(message.AsSpan(12), 0x02003207u);
        NtlmTestMessages.WriteBuffer(message, 16, 6, 40);
        NtlmTestMessages.WriteBuffer(message, 24, 4, 46);
        new byte[] { 10, 0, 0x61, 0x4a, 0, 0, 0, 15 }.CopyTo(message, 32);
        Encoding.ASCII.GetBytes("DOMAINWS01").CopyTo(message, 40);

        var text = Create("NTLM").Client(B64(message), initial: true);

        Assert.Contains("domain=DOMAIN, workstation=WS01, version=10.0.19041 (NTLM revision 15)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ntlm_NonBase64FromClient_Masked()
    {
        Assert.Equal("******** [malformed NTLM message, masked]", Create("NTLM").Client("NTLM please"));
    }

    [Fact]
    public void NtlmDecoder_TargetInfoTimestampAndFlags_Decoded()
    {
        byte[] info = [.. NtlmTestMessages.TargetInfo[..^4], 6, 0, 4, 0, 2, 0, 0, 0, 7, 0, 8, 0, .. BitConverter.GetBytes(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).ToFileTimeUtc()), 0, 0, 0, 0];
        var message = new byte[48 + info.Length];
        "NTLMSSP\0"u8.CopyTo(message);
        message[8] = 2;
        BitConverter.TryWriteBytes(message.AsSpan(20), 0x00800001u);
        NtlmTestMessages.WriteBuffer(message, 40, info.Length, 48);
        info.CopyTo(message, 48);

        Assert.True(NtlmDecoder.TryDecode(message, out var decoded, out _));

        Assert.Equal(
            ["NbDomainName=Domain", "NbComputerName=Server", "Flags=0x00000002 (MIC present)", "Timestamp=2024-01-02T03:04:05Z"],
            decoded.TargetInfo.Select(p => $"{p.Name}={p.Value}"));
    }
}
