namespace SmtpTap.Core.Auth;

/// <summary>The one placeholder that stands in for masked data. Fixed, so it reveals no length.</summary>
internal static class SaslMask
{
    public const string Placeholder = "********";
}
