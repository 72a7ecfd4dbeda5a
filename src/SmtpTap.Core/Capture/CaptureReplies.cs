using System.Globalization;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>The capture server's replies, with enhanced status codes (RFC 3463) on all 2xx/4xx/5xx but the greeting and HELO/EHLO.</summary>
internal static class CaptureReplies
{
    public static SmtpReply Ok { get; } = SmtpReply.Single(250, "2.0.0 Ok");
    public static SmtpReply SenderOk { get; } = SmtpReply.Single(250, "2.1.0 Ok");
    public static SmtpReply RecipientOk { get; } = SmtpReply.Single(250, "2.1.5 Ok");
    public static SmtpReply StartData { get; } = SmtpReply.Single(354, "End data with <CR><LF>.<CR><LF>");
    public static SmtpReply ReadyToStartTls { get; } = SmtpReply.Single(220, "2.0.0 Ready to start TLS");
    public static SmtpReply Bye { get; } = SmtpReply.Single(221, "2.0.0 Bye");
    public static SmtpReply CannotVerify { get; } = SmtpReply.Single(252, "2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
    public static SmtpReply Help { get; } = SmtpReply.Single(214, "2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT");
    public static SmtpReply AuthSucceeded { get; } = SmtpReply.Single(235, "2.7.0 Authentication successful");
    public static SmtpReply EmptyChallenge { get; } = SmtpReply.Single(334, string.Empty);

    public static SmtpReply IdleTimeout { get; } = SmtpReply.Single(421, "4.4.2 Idle timeout");
    public static SmtpReply ShuttingDown { get; } = SmtpReply.Single(421, "4.3.2 Service shutting down");
    public static SmtpReply LocalError { get; } = SmtpReply.Single(451, "4.3.0 Error: local error in processing");
    public static SmtpReply TooManyRecipients { get; } = SmtpReply.Single(452, "4.5.3 Error: too many recipients");

    public static SmtpReply CommandNotRecognized { get; } = SmtpReply.Single(500, "5.5.2 Error: command not recognized");
    public static SmtpReply LineTooLong { get; } = SmtpReply.Single(500, "5.5.6 Error: line too long");
    public static SmtpReply BareLineEnding { get; } = SmtpReply.Single(500, "5.5.2 Error: bare <CR>, <LF> or NUL received");
    public static SmtpReply InvalidUtf8 { get; } = SmtpReply.Single(500, "5.5.2 Error: invalid UTF-8 in command");
    public static SmtpReply AuthCancelled { get; } = SmtpReply.Single(501, "5.7.0 Authentication aborted");
    public static SmtpReply InvalidBase64 { get; } = SmtpReply.Single(501, "5.5.2 Error: invalid base64 data");
    public static SmtpReply NotImplemented { get; } = SmtpReply.Single(502, "5.5.1 Error: command not implemented");
    public static SmtpReply SendHeloFirst { get; } = SmtpReply.Single(503, "5.5.1 Error: send HELO/EHLO first");
    public static SmtpReply SendEhloFirst { get; } = SmtpReply.Single(503, "5.5.1 Error: send EHLO first");
    public static SmtpReply NestedMail { get; } = SmtpReply.Single(503, "5.5.1 Error: nested MAIL command");
    public static SmtpReply NeedMail { get; } = SmtpReply.Single(503, "5.5.1 Error: need MAIL command");
    public static SmtpReply NeedRecipient { get; } = SmtpReply.Single(503, "5.5.1 Error: need RCPT command");
    public static SmtpReply TransactionInProgress { get; } = SmtpReply.Single(503, "5.5.1 Error: MAIL transaction in progress");
    public static SmtpReply AlreadyAuthenticated { get; } = SmtpReply.Single(503, "5.5.1 Error: already authenticated");
    public static SmtpReply DataAfterBdat { get; } = SmtpReply.Single(503, "5.5.1 Error: DATA not allowed after BDAT");
    public static SmtpReply BinaryMimeNeedsBdat { get; } = SmtpReply.Single(503, "5.5.1 Error: BODY=BINARYMIME requires BDAT");
    public static SmtpReply UnknownMechanism { get; } = SmtpReply.Single(504, "5.5.4 Unrecognized authentication type");
    public static SmtpReply MustStartTls { get; } = SmtpReply.Single(530, "5.7.0 Must issue a STARTTLS command first");
    public static SmtpReply AuthFailed { get; } = SmtpReply.Single(535, "5.7.8 Error: authentication failed");
    public static SmtpReply OAuthRejected { get; } = SmtpReply.Single(535, "5.7.8 Username and Password not accepted");
    public static SmtpReply ContentRejected { get; } = SmtpReply.Single(550, "5.6.0 Message rejected: bare CR/LF or NUL in content");
    public static SmtpReply MessageTooBig { get; } = SmtpReply.Single(552, "5.3.4 Message size exceeds fixed limit");
    public static SmtpReply NeedSmtpUtf8 { get; } = SmtpReply.Single(553, "5.6.7 Must declare SMTPUTF8 to send unicode address");
    public static SmtpReply TlsAlreadyActive { get; } = SmtpReply.Single(554, "5.5.1 Error: TLS already active");

    public static SmtpReply Syntax(string usage) => SmtpReply.Single(501, "5.5.4 Syntax: " + usage);

    public static SmtpReply BadParameter(string text) => SmtpReply.Single(501, "5.5.4 " + text);

    public static SmtpReply UnsupportedParameter(string name) => SmtpReply.Single(555, "5.5.4 Unsupported option: " + name);

    public static SmtpReply Greeting(string hostName) => SmtpReply.Single(220, hostName + " ESMTP SmtpTap capture server");

    public static SmtpReply Queued(long messageId) =>
        SmtpReply.Single(250, "2.0.0 Ok: queued as " + messageId.ToString(CultureInfo.InvariantCulture));

    /// <summary>The message id in a <see cref="Queued"/> reply ("250 2.0.0 Ok: queued as 7"), as the tap relays it.</summary>
    public static bool TryGetQueuedId(int code, string firstLine, out long messageId)
    {
        const string Prefix = "2.0.0 Ok: queued as ";
        messageId = 0;
        return code == 250
            && firstLine.StartsWith(Prefix, StringComparison.Ordinal)
            && long.TryParse(firstLine.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out messageId);
    }

    public static SmtpReply ChunkReceived(long size) =>
        SmtpReply.Single(250, "2.0.0 Ok: " + size.ToString(CultureInfo.InvariantCulture) + " octets received");

    public static SmtpReply Challenge(ReadOnlySpan<byte> challenge) => SmtpReply.Single(334, Convert.ToBase64String(challenge));
}
