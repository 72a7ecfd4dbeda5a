namespace SmtpTap.Core.Auth;

internal sealed record SaslMaskOptions
{
    public bool MaskUsernames { get; init; }
}
