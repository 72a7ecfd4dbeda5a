using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Auth;

internal static class AuthReplyExplainer
{
    public static string? Explain(SmtpReply reply) => reply.Code switch
    {
        235 => "AUTH succeeded",
        334 => null,
        _ => $"AUTH failed: {reply.Code} {reply.FirstLine}",
    };
}
