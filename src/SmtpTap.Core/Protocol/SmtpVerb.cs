namespace SmtpTap.Core.Protocol;

/// <summary>
/// The SMTP commands the tap knows by name. <see cref="OtherKnown"/> is a real SMTP command the relay has no
/// special handling for (VRFY, EXPN, HELP, ETRN, ...); <see cref="Other"/> is a line that is no known command.
/// </summary>
internal enum SmtpVerb
{
    Other,
    Ehlo,
    Helo,
    StartTls,
    Auth,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    OtherKnown,
}
