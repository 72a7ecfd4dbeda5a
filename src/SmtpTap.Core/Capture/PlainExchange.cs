using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>SASL PLAIN (RFC 4616): one message "authzid NUL authcid NUL passwd".</summary>
internal sealed record PlainExchange : SaslExchange
{
    public static SaslStep Begin(byte[]? initialResponse, SaslContext context) =>
        initialResponse is null
            ? SaslStep.Continue(CaptureReplies.EmptyChallenge, new PlainExchange())
            : Check(initialResponse, context);

    public override SaslStep Respond(byte[] response, SaslContext context) => Check(response, context);

    private static SaslStep Check(byte[] message, SaslContext context)
    {
        var first = Array.IndexOf(message, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(message, (byte)0, first + 1);
        if (second < 0 || Array.IndexOf(message, (byte)0, second + 1) >= 0)
        {
            return SaslStep.Failure();
        }

        var user = Encoding.UTF8.GetString(message, first + 1, second - first - 1);
        var password = Encoding.UTF8.GetString(message, second + 1, message.Length - second - 1);
        return user.Length > 0 && context.CheckSecret(user, password) ? SaslStep.Success(user) : SaslStep.Failure();
    }
}
