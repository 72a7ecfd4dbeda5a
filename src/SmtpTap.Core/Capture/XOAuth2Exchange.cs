using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>
/// SASL XOAUTH2 (Google): "user=U^Aauth=Bearer T^A^A". On a bad token the server sends a base64 JSON error
/// as a 334 challenge and answers the client's (empty) acknowledgement with 535.
/// </summary>
internal sealed record XOAuth2Exchange(bool AwaitingErrorAcknowledgement) : SaslExchange
{
    private static readonly byte[] s_errorJson = """{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}"""u8.ToArray();

    public static SaslStep Begin(byte[]? initialResponse, SaslContext context) =>
        initialResponse is null
            ? SaslStep.Continue(CaptureReplies.EmptyChallenge, new XOAuth2Exchange(false))
            : new XOAuth2Exchange(false).Respond(initialResponse, context);

    public override SaslStep Respond(byte[] response, SaslContext context)
    {
        if (AwaitingErrorAcknowledgement)
        {
            return new SaslStep(CaptureReplies.OAuthRejected, null, null);
        }

        if (TryParse(Encoding.UTF8.GetString(response), out var user, out var token) && context.CheckSecret(user, token))
        {
            return SaslStep.Success(user);
        }

        return SaslStep.Continue(CaptureReplies.Challenge(s_errorJson), new XOAuth2Exchange(true));
    }

    private static bool TryParse(string text, out string user, out string token)
    {
        user = string.Empty;
        token = string.Empty;
        foreach (var part in text.Split('\u0001'))
        {
            if (part.StartsWith("user=", StringComparison.Ordinal))
            {
                user = part["user=".Length..];
            }
            else if (part.StartsWith("auth=", StringComparison.Ordinal))
            {
                var value = part["auth=".Length..];
                if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                token = value["Bearer ".Length..];
            }
        }

        return user.Length > 0 && token.Length > 0;
    }
}
