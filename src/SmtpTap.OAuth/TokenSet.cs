namespace SmtpTap.OAuth;

/// <summary>
/// The tokens of one account. Holds secrets: <see cref="ToString"/> shows only their state, never a token.
/// </summary>
internal sealed class TokenSet
{
    public string? AccessToken { get; init; }

    public DateTimeOffset? AccessTokenExpiresUtc { get; init; }

    public string? RefreshToken { get; init; }

    public string? Scope { get; init; }

    /// <summary>A <c>password</c> account's server password (the real mailbox password).</summary>
    public string? ServerPassword { get; init; }

    public bool HasValidAccessToken(DateTimeOffset now, TimeSpan margin) =>
        AccessToken is not null && AccessTokenExpiresUtc is { } expires && expires - margin > now;

    /// <summary>The tokens after a refresh: a provider that does not rotate the refresh token keeps the old one.</summary>
    public TokenSet MergeRefresh(TokenSet refreshed) => new()
    {
        AccessToken = refreshed.AccessToken,
        AccessTokenExpiresUtc = refreshed.AccessTokenExpiresUtc,
        RefreshToken = refreshed.RefreshToken ?? RefreshToken,
        Scope = refreshed.Scope ?? Scope,
        ServerPassword = ServerPassword,
    };

    public override string ToString() => ServerPassword is not null
        ? "TokenSet(server password: stored)"
        : $"TokenSet(access token: {(AccessToken is null ? "none" : "until " + AccessTokenExpiresUtc?.ToString("u", System.Globalization.CultureInfo.InvariantCulture))}, refresh token: {(RefreshToken is null ? "no" : "yes")})";
}

/// <summary>What can be said about an account's tokens without the app password.</summary>
internal sealed record TokenState(bool Stored, DateTimeOffset? AccessTokenExpiresUtc, bool HasRefreshToken, bool HasServerPassword = false)
{
    public static readonly TokenState None = new(false, null, false);

    /// <summary>
    /// "valid until …", "refreshable" or "needs login", as <c>account list</c> shows it. A client-credentials account
    /// with a stored (expired) token is refreshable: a new grant needs the client secret, not the user.
    /// </summary>
    public string Describe(DateTimeOffset now, bool renewableWithoutUser = false)
    {
        if (Stored && HasServerPassword)
        {
            return "password stored";
        }

        if (Stored && AccessTokenExpiresUtc is { } expires && expires > now)
        {
            return "valid until " + expires.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        }

        return Stored && (HasRefreshToken || renewableWithoutUser) ? "refreshable" : "needs login";
    }
}
