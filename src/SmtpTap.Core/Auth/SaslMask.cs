namespace SmtpTap.Core.Auth;

internal static class SaslMask
{
    public const string Placeholder = "********";
}
