namespace SmtpTap.Core.Protocol;

/// <summary>What a reply answered, when that changes its meaning.</summary>
internal enum ReplyContext
{
    /// <summary>Any command but AUTH (MAIL, RCPT, DATA, STARTTLS, ...).</summary>
    Command,

    /// <summary>The final reply of an AUTH exchange.</summary>
    Auth,
}

/// <summary>
/// The one plain-English reading of SMTP replies, shared by <c>probe</c> (its AUTH verdicts and refusals) and the
/// transcript (the web UI shows it next to each refusal): 5.7.1 relay, 5.7.3/5.7.8 credentials, 5.7.30/5.7.139
/// basic authentication off, 4.7.0 TLS, and the common others. Only the reply code, the enhanced status code
/// (RFC 3463) and a few keywords are read; the server's text is never copied, because some servers echo what
/// the client sent.
/// </summary>
internal static class ReplyExplainer
{
    /// <summary>The meaning of a refusal (4xx/5xx), or of any final AUTH reply; null when there is nothing to add (2xx, 3xx).</summary>
    public static string? Explain(SmtpReply reply, ReplyContext context = ReplyContext.Command)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (context == ReplyContext.Auth)
        {
            return reply.Code == 334 ? null : AuthMeaning(reply, EnhancedStatus(reply.FirstLine));
        }

        return reply.IsTransientFailure || reply.IsPermanentFailure ? CommandMeaning(reply, EnhancedStatus(reply.FirstLine)) : null;
    }

    /// <summary>
    /// A refusal that is about relaying: "550 5.7.1 Unable to relay", "554 5.7.1 Relay access denied",
    /// Exchange Online's 5.7.54 ("Unable to relay recipient in non-accepted domain"), "relaying denied", ...
    /// </summary>
    public static bool IsRelayDenial(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsPositiveCompletion || reply.IsIntermediate)
        {
            return false;
        }

        var text = string.Join(' ', reply.Lines);
        return text.Contains("relay", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("5.7.54", StringComparison.Ordinal)
            || text.StartsWith("4.7.54", StringComparison.Ordinal);
    }

    /// <summary>Enhanced status code (RFC 3463) at the start of the text: class.subject.detail, digits only.</summary>
    public static string? EnhancedStatus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
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

    private static string AuthMeaning(SmtpReply reply, string? enhanced)
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

    private static string CommandMeaning(SmtpReply reply, string? enhanced)
    {
        if (IsRelayDenial(reply))
        {
            return "relay denied: the server does not accept mail for this recipient's domain from this client (authenticate first, or the domain is not the server's)";
        }

        var text = string.Join(' ', reply.Lines);
        return enhanced switch
        {
            "5.7.139" => "Exchange Online: SMTP AUTH is disabled for the tenant, or security defaults / policy block basic authentication",
            "5.7.30" => "basic authentication is not supported or has been disabled on this server",
            "5.7.3" or "5.7.8" => "the server rejected the credentials (user name or password)",
            "5.7.1" => "not authorised: the server's policy refuses this sender, recipient or client (often: authenticate first, or relaying is not allowed)",
            "5.7.0" when Contains(text, "STARTTLS") => "the server requires STARTTLS before this command",
            "5.7.0" => "security policy: the server wants authentication or TLS first",
            "4.7.0" when Contains(text, "TLS") => "TLS is not available right now (temporary): the client should retry, or send without TLS only if it allows that",
            "4.7.0" => "temporary security or policy refusal (e.g. too many errors, TLS or authentication unavailable); the client may retry later",
            "5.7.57" => "Exchange Online: the client was not authenticated to send anonymous mail during MAIL FROM",
            "5.7.60" => "Exchange Online: the authenticated user may not send as this sender address",
            "5.1.1" => "the recipient's mailbox does not exist",
            "5.1.0" or "5.1.7" or "5.1.8" => "the sender address is refused (bad or unknown sender)",
            "5.1.2" => "the recipient's domain does not exist or accepts no mail",
            "4.2.2" or "5.2.2" => "the recipient's mailbox is full",
            "5.3.4" or "5.2.3" => "the message is larger than the server accepts",
            "5.6.7" => "a non-ASCII address needs SMTPUTF8: the client must declare it on MAIL FROM (and the server must offer it)",
            "5.6.0" => "the message content was refused (malformed, e.g. bare CR/LF or NUL)",
            "4.4.1" or "4.4.2" => "the connection was lost or timed out; the message may or may not have been delivered: send again",
            "4.3.2" => "the server is shutting down or not accepting mail right now; retry later",
            "4.5.3" or "5.5.3" => "too many recipients for one message",
            "5.5.1" or "5.5.2" => "the server did not understand the command (unknown command, or a command out of sequence)",
            "5.5.4" => "wrong parameters or syntax for this command",
            _ => reply.Code switch
            {
                421 => "the server closes the connection (service not available)",
                450 or 451 or 452 => "temporary failure; the client should retry later",
                454 => "TLS or authentication temporarily unavailable",
                500 or 501 or 502 or 503 or 504 => "command or parameter not accepted (syntax, unknown command or wrong sequence)",
                530 => "authentication required first",
                550 => "mailbox unavailable, or refused by policy",
                551 or 553 => "the address is refused (not local, or not allowed)",
                552 => "the message exceeds a storage or size limit",
                554 => "the transaction failed (refused by the server's policy)",
                _ when reply.IsTransientFailure => "temporary failure; the client may retry later",
                _ => "permanent failure",
            },
        };
    }

    private static bool Contains(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);
}
