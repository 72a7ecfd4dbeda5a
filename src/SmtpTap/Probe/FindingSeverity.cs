namespace SmtpTap.Probe;

internal enum FindingSeverity
{
    Ok,
    Warn,
    Fail,
}
