namespace SmtpTap.Core.Protocol;

/// <summary>The SMTP commands the tap treats specially; everything else is <see cref="Other"/>.</summary>
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
}
