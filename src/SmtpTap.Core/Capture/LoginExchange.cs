using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>SASL LOGIN: "Username:" then "Password:" challenges; an initial response carries the user name.</summary>
internal sealed record LoginExchange(string? User) : SaslExchange
{
    private static readonly byte[] s_usernamePrompt = "Username:"u8.ToArray();
    private static readonly byte[] s_passwordPrompt = "Password:"u8.ToArray();

    public static SaslStep Begin(byte[]? initialResponse, SaslContext context) =>
        initialResponse is null
            ? SaslStep.Continue(CaptureReplies.Challenge(s_usernamePrompt), new LoginExchange((string?)null))
            : new LoginExchange((string?)null).Respond(initialResponse, context);

    public override SaslStep Respond(byte[] response, SaslContext context)
    {
        var text = Encoding.UTF8.GetString(response);
        if (User is null)
        {
            return SaslStep.Continue(CaptureReplies.Challenge(s_passwordPrompt), new LoginExchange(text));
        }

        return User.Length > 0 && context.CheckSecret(User, text) ? SaslStep.Success(User) : SaslStep.Failure();
    }
}
