using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace SmtpTap.Core.Capture;

/// <summary>Checks an NTLMv2 response: NTProofStr = HMAC_MD5(NTOWFv2, serverChallenge + blob) (MS-NLMP §3.3.2).</summary>
internal static class NtlmV2Verifier
{
    private const int ProofLength = 16;

    /// <summary>The minimum NTLMv2 response: NTProofStr plus a blob header (RespType, HiRespType, reserved, timestamp, client challenge).</summary>
    private const int MinimumResponseLength = ProofLength + 28;

    public static bool Verify(NtlmAuthenticateMessage message, string password, ReadOnlySpan<byte> serverChallenge)
    {
        var response = message.NtChallengeResponse;
        if (response.Length < MinimumResponseLength || response[ProofLength] != 1 || response[ProofLength + 1] != 1)
        {
            return false;
        }

        var ntowf = NtOwfV2(password, message.UserName, message.DomainName);
        var blob = response.AsSpan(ProofLength);
        var input = new byte[serverChallenge.Length + blob.Length];
        serverChallenge.CopyTo(input);
        blob.CopyTo(input.AsSpan(serverChallenge.Length));
        var proof = HMACMD5.HashData(ntowf, input);
        return CryptographicOperations.FixedTimeEquals(proof, response.AsSpan(0, ProofLength));
    }

    /// <summary>NTOWFv2 = HMAC_MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)).</summary>
    public static byte[] NtOwfV2(string password, string user, string domain)
    {
        var passwordBytes = Encoding.Unicode.GetBytes(password);
        var md4 = new MD4Digest();
        md4.BlockUpdate(passwordBytes, 0, passwordBytes.Length);
        var ntHash = new byte[md4.GetDigestSize()];
        md4.DoFinal(ntHash, 0);
        return HMACMD5.HashData(ntHash, Encoding.Unicode.GetBytes(user.ToUpperInvariant() + domain));
    }
}
