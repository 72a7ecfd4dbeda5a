using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>One SASL round: the reply to send, the exchange awaiting the next line (null when finished) and the user on success.</summary>
internal sealed record SaslStep(SmtpReply Reply, SaslExchange? Next, string? AuthenticatedUser)
{
    public bool Succeeded => AuthenticatedUser is not null;

    public static SaslStep Continue(SmtpReply challenge, SaslExchange next) => new(challenge, next, null);

    public static SaslStep Success(string user) => new(CaptureReplies.AuthSucceeded, null, user);

    public static SaslStep Failure() => new(CaptureReplies.AuthFailed, null, null);
}
