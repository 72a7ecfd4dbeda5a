using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Auth;

/// <summary>
/// A plain-English verdict for the final reply to AUTH, e.g.
/// <c>AUTH failed: 535 5.7.8 — the server rejected the user name or password</c>. Only the reply code,
/// the enhanced status code and a few keywords are used; the server's text is never copied, because some
/// servers echo what the client sent.
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

        var enhanced = EnhancedStatus(reply.FirstLine);
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
        return $"{verdict}: {status} — {Meaning(reply, enhanced)}";
    }

    private static string Meaning(SmtpReply reply, string? enhanced)
    {
        var text = string.Join(' ', reply.Lines);
        return (reply.Code, enhanced) switch
        {
            (235, _) => "authentication succeeded",
            (535, "5.7.139") => "Exchange Online: SMTP AUTH is disabled for the tenant, or security defaults / policy block basic authentication",
            (535, "5.7.3") => "the server rejected the user name or password (Exchange Online also answers this when SMTP AUTH is disabled for the mailbox)",
            (535, _) => "the server rejected the user name or password",
            (550, "5.7.30") => "basic authentication is not supported or has been disabled on this server",
            (504, _) => "the server does not accept this authentication mechanism",
            (534, "5.7.9") => "Gmail: an app password or OAuth2 is required for this account",
            (534, "5.7.14") => "Gmail: the account must sign in through a web browser first (or use an app password / OAuth2)",
            (534, _) => "the mechanism is too weak for this account: use a stronger mechanism, an app password or OAuth2",
            (538, _) => "encryption (STARTTLS/TLS) is required for this authentication mechanism",
            (454, _) => "temporary authentication failure: the server could not check the credentials right now; try again later",
            (432, _) => "a password transition is needed: the user must change the password",
            (530, _) when Contains(text, "STARTTLS") => "the client must issue STARTTLS before AUTH",
            (530, _) => "authentication required, or the server wants STARTTLS first",
            (501, _) when Contains(text, "cancel") => "the client cancelled the authentication exchange",
            (501, _) => "syntax error in the AUTH command or response, or the exchange was cancelled",
            (503, _) => "AUTH not allowed now: already authenticated, or AUTH sent in the wrong state (e.g. before EHLO or during a mail transaction)",
            (500, _) or (502, _) => "the server does not support AUTH here",
            _ when reply.IsPositiveCompletion => "the server accepted",
            _ when reply.IsTransientFailure => "temporary failure; the client may retry later",
            _ when reply.IsPermanentFailure => "permanent failure",
            _ => "unexpected reply to AUTH",
        };
    }

    /// <summary>Enhanced status code (RFC 3463) at the start of the text: class.subject.detail, digits only.</summary>
    private static string? EnhancedStatus(string text)
    {
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var token = end < 0 ? text : text[..end];
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] is not ("2" or "4" or "5"))
        {
            return null;
        }

        foreach (var part in parts[1..])
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit))
            {
                return null;
            }
        }

        return token;
    }

    private static bool Contains(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);
}
