using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SmtpTap.OAuthIdp;

/// <summary>
/// Test hooks of the loopback identity provider (it listens on 127.0.0.1 only):
/// <c>POST /admin/access-token-lifetime?seconds=N</c> (0: back to the default of one hour) sets the lifetime of the access
/// tokens issued from then on, so a script can make a token that expires at once; <c>POST /admin/revoke?subject=S</c>
/// revokes every token of subject S (a user address or a client id), as an administrator revoking the grant would.
/// </summary>
internal sealed class AdminEndpoints
{
    private long _lifetimeSeconds;

    public TimeSpan? AccessTokenLifetime()
    {
        var seconds = Interlocked.Read(ref _lifetimeSeconds);
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
    }

    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("admin/access-token-lifetime", (Func<HttpContext, IResult>)(context =>
        {
            if (!long.TryParse(context.Request.Query["seconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return Results.BadRequest("seconds=N required\n");
            }

            Interlocked.Exchange(ref _lifetimeSeconds, seconds);
            return Results.Text(seconds > 0 ? $"access tokens issued from now on live {seconds} s\n" : "access tokens issued from now on live 3600 s (default)\n");
        }));
        app.MapPost("admin/revoke", (Func<HttpContext, Task<IResult>>)(async context =>
        {
            var subject = context.Request.Query["subject"].ToString();
            if (subject.Length == 0)
            {
                return Results.BadRequest("subject=S required\n");
            }

            var revoked = await OAuthIdpHost.RevokeAsync(app.Services, subject, context.RequestAborted).ConfigureAwait(false);
            return Results.Text(string.Create(CultureInfo.InvariantCulture, $"revoked {revoked} token(s) of {subject}\n"));
        }));
    }
}
