using System.Text;

namespace SmtpTap.OAuth;

/// <summary>
/// What the relay will ask (not wired into the relay yet): given the user and password a client sent to the tap,
/// the SASL mechanism and initial response to authenticate upstream as that account's mailbox.
/// </summary>
internal interface IUpstreamCredentials
{
    /// <summary>
    /// Null when <paramref name="clientUser"/> is no account's user (relay the client's AUTH unchanged).
    /// Throws <see cref="WrongAppPasswordException"/> when the app password does not open the account (checked
    /// locally, before any request to the identity provider), and <see cref="OAuthException"/> when no valid access
    /// token can be had (refresh refused or the identity provider unreachable).
    /// </summary>
    Task<UpstreamAuthentication?> GetAsync(string clientUser, string appPassword, IReadOnlyCollection<string> serverMechanisms, CancellationToken cancellationToken);
}

/// <summary>Where the access token came from, for the transcript line.</summary>
internal enum TokenSource
{
    Cache,
    Refreshed,
}

/// <summary>
/// The upstream AUTH to send: mechanism name and SASL initial response (raw bytes; base64 them on the wire).
/// Holds the access token: <see cref="ToString"/> shows only account, mechanism and expiry.
/// </summary>
internal sealed class UpstreamAuthentication
{
    public required string Account { get; init; }

    public required string User { get; init; }

    /// <summary><c>XOAUTH2</c> or <c>OAUTHBEARER</c>; for a <c>password</c> account <c>PLAIN</c>, <c>LOGIN</c> or <c>CRAM-MD5</c>.</summary>
    public required string Mechanism { get; init; }

    /// <summary>The OAuth2 initial response (empty for a <c>password</c> account).</summary>
    public required byte[] InitialResponse { get; init; }

    /// <summary>The OAuth2 access token itself (null for a <c>password</c> account), for <c>account test</c>. Secret.</summary>
    public string? AccessToken { get; init; }

    /// <summary>A <c>password</c> account's server password (null for OAuth2). Secret.</summary>
    public string? Password { get; init; }

    public required DateTimeOffset AccessTokenExpiresUtc { get; init; }

    public required TokenSource Source { get; init; }

    public override string ToString() => Password is not null
        ? $"{Mechanism} for {User} (account {Account}), stored password"
        : $"{Mechanism} for {User} (account {Account}), token from {(Source == TokenSource.Cache ? "cache" : "refresh")}, expires {AccessTokenExpiresUtc.UtcDateTime:HH:mm:ss}Z";

    /// <summary>XOAUTH2 (Google and Microsoft): <c>user=U ^A auth=Bearer T ^A ^A</c>.</summary>
    public static byte[] XOAuth2(string user, string accessToken) =>
        Encoding.UTF8.GetBytes("user=" + user + "\u0001auth=Bearer " + accessToken + "\u0001\u0001");

    /// <summary>OAUTHBEARER (RFC 7628): GS2 header with the authorization identity, then <c>auth=Bearer T</c>.</summary>
    public static byte[] OAuthBearer(string user, string accessToken) =>
        Encoding.UTF8.GetBytes("n,a=" + user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal) + ",\u0001auth=Bearer " + accessToken + "\u0001\u0001");
}
