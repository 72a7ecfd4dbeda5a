namespace SmtpTap.Core.Auth;

/// <summary>How much of a SASL exchange the transcript may show.</summary>
internal sealed record SaslMaskOptions
{
    /// <summary>
    /// <c>--mask-usernames</c>: user names, authzids, domains, host and workstation names are replaced
    /// by <see cref="SaslMask.Placeholder"/> too. Secrets are always masked, whatever this says.
    /// </summary>
    public bool MaskUsernames { get; init; }

    /// <summary>Secrets masked, identities shown.</summary>
    public static SaslMaskOptions Default { get; } = new();
}
