using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Auth;

/// <summary>
/// The fail-safe rule for client lines outside an open AUTH exchange: what is secret is decided by the state of the
/// exchange, not by recognising a well-formed command. A line that is not a known SMTP command is masked when it was
/// sent before the last AUTH exchange ended (it may be a SASL response the client pipelined or sent after a refusal),
/// or when it could be base64 (a credential sent where nobody expected one: after "AUTH PLAIN =" was refused, the
/// second half of a wrapped blob, a response to a prompt that already ended). When unsure, mask.
/// </summary>
internal static class ClientLineMasking
{
    /// <summary>The masked text for the transcript, or null when the line may be shown as sent.</summary>
    public static string? Mask(ReadOnlySpan<byte> content, bool sentDuringAuth)
    {
        if (SmtpCommandLine.IsKnownCommand(content))
        {
            return null;
        }

        if (sentDuringAuth)
        {
            return $"{SaslMask.Placeholder} [sent before the AUTH exchange ended, {content.Length} octets]";
        }

        return SmtpCommandLine.CouldBeBase64(content)
            ? $"{SaslMask.Placeholder} [unrecognised line, {content.Length} octets]"
            : null;
    }
}
