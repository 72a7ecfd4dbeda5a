using System.Buffers.Binary;

namespace SmtpTap.Core.Capture;

/// <summary>SASL NTLM: NEGOTIATE (Type 1) -> 334 CHALLENGE (Type 2) -> AUTHENTICATE (Type 3), NTLMv2 verified.</summary>
internal sealed record NtlmExchange(byte[]? ServerChallenge) : SaslExchange
{
    public static SaslStep Begin(byte[]? initialResponse, SaslContext context) =>
        initialResponse is null
            ? SaslStep.Continue(CaptureReplies.EmptyChallenge, new NtlmExchange((byte[]?)null))
            : new NtlmExchange((byte[]?)null).Respond(initialResponse, context);

    public override SaslStep Respond(byte[] response, SaslContext context)
    {
        if (ServerChallenge is null)
        {
            if (!IsNegotiateMessage(response))
            {
                return SaslStep.Failure();
            }

            var challenge = new byte[8];
            context.FillRandom(challenge);
            var type2 = NtlmChallengeMessage.Build(challenge, context.HostName, context.TimeProvider.GetUtcNow());
            return SaslStep.Continue(CaptureReplies.Challenge(type2), new NtlmExchange(challenge));
        }

        if (!NtlmAuthenticateMessage.TryParse(response, out var message) || message.UserName.Length == 0)
        {
            return SaslStep.Failure();
        }

        if (context.AcceptsAnyone)
        {
            return SaslStep.Success(message.UserName);
        }

        // A credential table keyed by UPN (user@domain) or down-level name (DOMAIN\user) must match too:
        // NTLM clients given "alice@example.test" send user "alice" and domain "example.test".
        foreach (var identity in Identities(message))
        {
            var password = context.GetSecret(identity);
            if (password is not null)
            {
                return NtlmV2Verifier.Verify(message, password, ServerChallenge) ? SaslStep.Success(identity) : SaslStep.Failure();
            }
        }

        return SaslStep.Failure();
    }

    private static IEnumerable<string> Identities(NtlmAuthenticateMessage message)
    {
        yield return message.UserName;
        if (message.DomainName.Length > 0)
        {
            yield return message.UserName + "@" + message.DomainName;
            yield return message.DomainName + "\\" + message.UserName;
        }
    }

    private static bool IsNegotiateMessage(ReadOnlySpan<byte> message) =>
        message.Length >= 16 && message[..8].SequenceEqual("NTLMSSP\0"u8) && BinaryPrimitives.ReadUInt32LittleEndian(message[8..]) == 1;
}
