using System.Security.Cryptography;
using System.Text;

namespace SmtpTap.Probe;

/// <summary>
/// The client side of the SASL mechanisms the probe speaks, computed here rather than typed by hand:
/// PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and XOAUTH2; OAUTHBEARER (RFC 7628) for <c>account test</c> only. Every result is base64 text for the wire.
/// </summary>
internal static class SaslResponses
{
    /// <summary>The mechanisms the probe can run, best first.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["CRAM-MD5", "PLAIN", "LOGIN", "XOAUTH2"];

    /// <summary>The best mechanism the server offers among those for a password; XOAUTH2 only when asked for.</summary>
    public static string? Choose(IReadOnlyList<string> offered)
    {
        ArgumentNullException.ThrowIfNull(offered);
        return Supported.Where(m => m != "XOAUTH2").FirstOrDefault(m => offered.Contains(m, StringComparer.OrdinalIgnoreCase));
    }

    public static string Plain(string user, ProbeSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Encode("\0" + user + "\0" + secret.Reveal());
    }

    public static string LoginUser(string user) => Encode(user);

    public static string LoginPassword(ProbeSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Encode(secret.Reveal());
    }

    /// <summary>
    /// <c>base64(user SP hex(HMAC-MD5(password, challenge)))</c>. Returns null if the challenge is not base64.
    /// </summary>
    public static string? CramMd5(string user, ProbeSecret secret, string challengeBase64)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] challenge;
        try
        {
            challenge = Convert.FromBase64String(challengeBase64.Trim());
        }
        catch (FormatException)
        {
            return null;
        }

        var key = Encoding.UTF8.GetBytes(secret.Reveal());
        try
        {
#pragma warning disable CA5351 // CRAM-MD5 is defined on HMAC-MD5; the probe must speak it to test it.
            var digest = HMACMD5.HashData(key, challenge);
#pragma warning restore CA5351
            return Encode(user + " " + Convert.ToHexStringLower(digest));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static string XOAuth2(string user, ProbeSecret token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Encode("user=" + user + "\u0001auth=Bearer " + token.Reveal() + "\u0001\u0001");
    }

    /// <summary>RFC 7628: <c>n,a=USER,^Aauth=Bearer TOKEN^A^A</c> (',' and '=' in the user escaped).</summary>
    public static string OAuthBearer(string user, ProbeSecret token)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(token);
        var escaped = user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
        return Encode("n,a=" + escaped + ",\u0001auth=Bearer " + token.Reveal() + "\u0001\u0001");
    }

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
