using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SmtpTap.Web;

/// <summary>
/// The web UI's rules for every request: strict headers (a Content-Security-Policy without inline script, nosniff,
/// no framing, no referrer, no caching), and either the access token (when bound to a non-loopback address) or a
/// loopback Host header (so a web page from elsewhere cannot read the API through DNS rebinding).
/// </summary>
internal static class WebSecurity
{
    public const string TokenParameter = "token";

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>A random token for --web-allow-remote: 32 bytes, base64url.</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static void AddHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
    }

    /// <summary>Null if the request may go on; else why not (the answer is 401 or 400).</summary>
    public static (int Status, string Error)? Check(HttpRequest request, string? token)
    {
        if (token is not null)
        {
            var given = request.Query[TokenParameter].ToString();
            if (given.Length == 0 && request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                given = auth["Bearer ".Length..].Trim();
            }

            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token))
                ? null
                : (StatusCodes.Status401Unauthorized, "this web UI needs its access token: open the URL the tap printed at start (…?token=…)");
        }

        return IsLoopbackHost(request.Host.Host)
            ? null
            : (StatusCodes.Status400BadRequest, "the web UI answers only requests addressed to a loopback name (127.0.0.1, [::1] or localhost)");
    }

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
