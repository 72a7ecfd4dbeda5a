using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SmtpTap.OAuthIdp;

/// <summary>What the loopback identity provider is set up with (one fixed user, two clients).</summary>
internal sealed class OAuthIdpSettings
{
    public const string PublicClientId = "smtptap-cli";
    public const string ConfidentialClientId = "smtptap-daemon";
    public const string SmtpScope = "smtp";

    /// <summary>The one user every authorization code and device code is approved for (auto consent).</summary>
    public required string User { get; init; }

    /// <summary>The confidential client's secret.</summary>
    public required string ClientSecret { get; init; }

    /// <summary>The <c>email</c> claim of client-credentials tokens (the mailbox the daemon client may send as); null: none.</summary>
    public string? DaemonMailbox { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The key access tokens are signed with (RS256); null: an ephemeral one.</summary>
    public SecurityKey? SigningKey { get; init; }

    /// <summary>Lifetime of the next access token issued; null: one hour.</summary>
    public Func<TimeSpan?> AccessTokenLifetime { get; init; } = () => null;

    /// <summary>Called with every secret the server hands out or receives (tokens, codes, verifiers, client secret).</summary>
    public Action<string> OnSecret { get; init; } = _ => { };

    /// <summary>Called for every request after the response: method, path, grant type (or empty), status code.</summary>
    public Action<string, string, string, int> OnRequest { get; init; } = (_, _, _, _) => { };
}

/// <summary>
/// A real OAuth2 authorization server: OpenIddict (server) on Kestrel bound to 127.0.0.1, EF Core in-memory stores.
/// Authorization code + PKCE (consent automatic for <see cref="OAuthIdpSettings.User"/>), device code (approved by
/// posting the user code to <c>connect/verify</c>), client credentials, refresh tokens. Access tokens are RS256 JWTs, not
/// encrypted, with <c>sub</c>, <c>email</c>, <c>exp</c>: what a mail server validates locally. Shared by the integration
/// tests (OAuthTestServer) and the interop rig's console app (tests/interop/OAuthIdp).
/// </summary>
internal static class OAuthIdpHost
{
    private static readonly string[] s_secretFields = ["access_token", "refresh_token", "device_code", "code", "code_verifier", "client_secret", "id_token"];

    public static async Task<WebApplication> StartAsync(OAuthIdpSettings settings, Action<WebApplication>? mapMore = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, settings.Port));
        var database = "oauth-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<DbContext>(o =>
        {
            o.UseInMemoryDatabase(database);
            o.UseOpenIddict();
        });
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<DbContext>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    .AllowRefreshTokenFlow();
                o.RegisterScopes(OAuthIdpSettings.SmtpScope, Scopes.OfflineAccess);
                o.AddEphemeralEncryptionKey().DisableAccessTokenEncryption();
                if (settings.SigningKey is null)
                {
                    o.AddEphemeralSigningKey();
                }
                else
                {
                    o.AddSigningKey(settings.SigningKey);
                }

                o.AddEventHandler<OpenIddictServerEvents.GenerateTokenContext>(handler => handler
                    .UseInlineHandler(PlainJwtAccessToken)
                    .SetOrder(OpenIddictServerHandlers.Protection.GenerateIdentityModelToken.Descriptor.Order + 1)
                    .SetType(OpenIddictServerHandlerType.Custom));
                o.UseAspNetCore()
                    .DisableTransportSecurityRequirement()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough();
            });

        var app = builder.Build();
        app.Use((context, next) => RecordAsync(settings, context, next));
        app.UseRouting();
        app.UseAuthentication();
        app.MapMethods("connect/authorize", ["GET", "POST"], (Func<HttpContext, IResult>)(context => Authorize(settings, context)));
        app.MapPost("connect/token", (Func<HttpContext, Task<IResult>>)(context => TokenAsync(settings, context)));
        app.MapMethods("connect/verify", ["GET", "POST"], (Func<HttpContext, Task<IResult>>)(context => VerifyAsync(settings, context)));
        mapMore?.Invoke(app);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await RegisterClientsAsync(scope.ServiceProvider, settings.ClientSecret, cancellationToken).ConfigureAwait(false);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        settings.OnSecret(settings.ClientSecret);
        return app;
    }

    /// <summary>The issuer, with a trailing slash: <c>http://127.0.0.1:PORT/</c>.</summary>
    public static string IssuerOf(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address).GetLeftPart(UriPartial.Authority) + "/";
    }

    /// <summary>Revokes every token issued to <paramref name="subject"/> (all subjects when null); returns how many.</summary>
    public static async Task<int> RevokeAsync(IServiceProvider services, string? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        await using var scope = services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var all = new List<object>();
        var source = subject is null ? tokens.ListAsync(count: null, offset: null, cancellationToken) : tokens.FindBySubjectAsync(subject, cancellationToken);
        await foreach (var token in source.ConfigureAwait(false))
        {
            all.Add(token);
        }

        var revoked = 0;
        foreach (var token in all)
        {
            if (await tokens.TryRevokeAsync(token, cancellationToken).ConfigureAwait(false))
            {
                revoked++;
            }
        }

        return revoked;
    }

    /// <summary>
    /// Re-signs a JWT access token with the header <c>typ: JWT</c> instead of OpenIddict's <c>at+jwt</c> (RFC 9068): Dovecot 2.3
    /// (Debian 12) refuses any other <c>typ</c> in its local validation ("Cannot find 'typ' field"). Same claims, same key.
    /// </summary>
    private static ValueTask PlainJwtAccessToken(OpenIddictServerEvents.GenerateTokenContext context)
    {
        if (context.TokenType == TokenTypeIdentifiers.AccessToken && context.TokenFormat == TokenFormats.Private.JsonWebToken
            && context.SigningCredentials is { } credentials && !string.IsNullOrEmpty(context.Token))
        {
            var payload = Base64UrlEncoder.Decode(new JsonWebToken(context.Token).EncodedPayload);
            context.Token = new JsonWebTokenHandler().CreateToken(payload, credentials);
        }

        return default;
    }

    private static async Task RegisterClientsAsync(IServiceProvider services, string clientSecret, CancellationToken cancellationToken)
    {
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        var scopes = services.GetRequiredService<IOpenIddictScopeManager>();
        await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = OAuthIdpSettings.SmtpScope }, cancellationToken).ConfigureAwait(false);
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = OAuthIdpSettings.PublicClientId,
            ClientType = ClientTypes.Public,
            ApplicationType = ApplicationTypes.Native,
            DisplayName = "SmtpTap CLI (tests)",
            RedirectUris = { new Uri("http://127.0.0.1/callback") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.DeviceAuthorization,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.GrantTypes.DeviceCode,
                Permissions.ResponseTypes.Code, Permissions.Prefixes.Scope + OAuthIdpSettings.SmtpScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        }, cancellationToken).ConfigureAwait(false);
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = OAuthIdpSettings.ConfidentialClientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "SmtpTap daemon (tests)",
            Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + OAuthIdpSettings.SmtpScope },
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports secrets in token/device requests and responses and authorization codes in redirects, and each request.</summary>
    private static async Task RecordAsync(OAuthIdpSettings settings, HttpContext context, RequestDelegate next)
    {
        var grantType = "";
        if (context.Request.HasFormContentType)
        {
            context.Request.EnableBuffering();
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            grantType = form["grant_type"].ToString();
            foreach (var field in s_secretFields)
            {
                Report(settings, form[field].ToString());
            }

            context.Request.Body.Position = 0;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = original;
        }

        if (context.Response.Headers.Location.ToString() is { Length: > 0 } location && location.Contains("code=", StringComparison.Ordinal))
        {
            var query = location[(location.IndexOf('?', StringComparison.Ordinal) + 1)..];
            foreach (var pair in query.Split('&'))
            {
                if (pair.StartsWith("code=", StringComparison.Ordinal))
                {
                    Report(settings, Uri.UnescapeDataString(pair[5..]));
                }
            }
        }

        if (buffer.Length > 0 && (context.Response.ContentType ?? "").Contains("json", StringComparison.Ordinal))
        {
            ReportJson(settings, buffer.ToArray());
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted).ConfigureAwait(false);
        settings.OnRequest(context.Request.Method, context.Request.Path.Value ?? "", grantType, context.Response.StatusCode);
    }

    private static void ReportJson(OAuthIdpSettings settings, byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var field in s_secretFields)
            {
                if (json.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    Report(settings, value.GetString());
                }
            }
        }
        catch (JsonException)
        {
        }
    }

    private static void Report(OAuthIdpSettings settings, string? value)
    {
        if (!string.IsNullOrEmpty(value) && value.Length >= 8)
        {
            settings.OnSecret(value);
        }
    }

    private static ClaimsPrincipal Principal(OAuthIdpSettings settings, string subject, string? email, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject).SetClaim(Claims.Name, subject);
        if (email is not null)
        {
            identity.SetClaim(Claims.Email, email);
        }

        identity.SetScopes(scopes);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        // Always explicit: a refresh token issued while a short lifetime was set would otherwise hand it on to the
        // access tokens refreshed from it.
        var principal = new ClaimsPrincipal(identity);
        principal.SetAccessTokenLifetime(settings.AccessTokenLifetime() ?? TimeSpan.FromHours(1));
        return principal;
    }

    private static ClaimsPrincipal UserPrincipal(OAuthIdpSettings settings, IEnumerable<string> scopes) => Principal(settings, settings.User, settings.User, scopes);

    private static IResult Authorize(OAuthIdpSettings settings, HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenID request");
        return Results.SignIn(UserPrincipal(settings, request.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync(OAuthIdpSettings settings, HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenID request");
        if (request.IsClientCredentialsGrantType())
        {
            return Results.SignIn(Principal(settings, request.ClientId!, settings.DaemonMailbox, request.GetScopes()),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
        if (result.Principal is null)
        {
            return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The grant is no longer valid.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return Results.SignIn(UserPrincipal(settings, result.Principal.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> VerifyAsync(OAuthIdpSettings settings, HttpContext context)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
        if (result.Principal is null || string.IsNullOrEmpty(result.Principal.GetClaim(Claims.ClientId)))
        {
            return Results.BadRequest("unknown user code");
        }

        return Results.SignIn(UserPrincipal(settings, result.Principal.GetScopes()), new AuthenticationProperties { RedirectUri = "/" },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
