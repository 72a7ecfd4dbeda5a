namespace SmtpTap.Core.Hosting;

internal enum UpstreamKind
{
    Capture,
    Smtp,
    Smtps,
}
