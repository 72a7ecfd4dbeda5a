using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Auth;

/// <summary>
/// A plain-English verdict for the final reply to AUTH, e.g.
/// <c>AUTH failed: 535 5.7.8 — the server rejected the user name or password</c>. Only the reply code,
/// the enhanced status code and a few keywords are used; the server's text is never copied, because some
/// servers echo what the client sent. The meaning is <see cref="ReplyExplainer"/>'s (shared with the web UI).
/// </summary>
internal static class AuthReplyExplainer
{
    /// <summary>Returns null for 334 (the exchange is still running).</summary>
    public static string? Explain(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Code == 334)
        {
            return null;
        }

        var enhanced = ReplyExplainer.EnhancedStatus(reply.FirstLine);
        var status = enhanced is null
            ? reply.Code.ToString("D3", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{reply.Code:D3} {enhanced}");
        var verdict = reply.Code switch
        {
            >= 200 and < 300 => "AUTH succeeded",
            >= 400 and < 500 => "AUTH failed (temporary)",
            >= 500 and < 600 => "AUTH failed",
            _ => "AUTH unexpected reply",
        };
        return $"{verdict}: {status} — {ReplyExplainer.Explain(reply, ReplyContext.Auth)}";
    }
}
