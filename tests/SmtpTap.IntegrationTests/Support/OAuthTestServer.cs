using System.Collections.Concurrent;
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
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// A real OAuth2 authorization server for the account tests: OpenIddict (server) on Kestrel, bound to 127.0.0.1 on a
/// random port, with EF Core in-memory stores. It supports client credentials, device code, authorization code + PKCE
/// and refresh tokens; consent is automatic. It records every secret it hands out or receives (tokens, codes, PKCE
/// verifiers, client secret) so tests can check none of them leaks into the CLI's output or files.
/// </summary>
internal sealed class OAuthTestServer : IAsyncDisposable
{
    public const string PublicClientId = "smtptap-cli";
    public const string ConfidentialClientId = "smtptap-daemon";
    public const string ClientSecret = "canary-client-secret-5d1f0a9e7b";
    public const string SmtpScope = "smtp";
    public const string User = "crm@contoso.example";

    private static readonly string[] s_secretFields = ["access_token", "refresh_token", "device_code", "code", "code_verifier", "client_secret", "id_token"];
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);
    private int _tokenRequests;

    private OAuthTestServer(WebApplication app, string issuer)
    {
        _app = app;
        Issuer = issuer;
    }

    /// <summary>The issuer, with a trailing slash: <c>http://127.0.0.1:PORT/</c>.</summary>
    public string Issuer { get; }

    public string TokenEndpoint => Issuer + "connect/token";

    public string AuthorizeEndpoint => Issuer + "connect/authorize";

    public string DeviceEndpoint => Issuer + "connect/device";

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Every secret seen so far (issued or received).</summary>
    public IReadOnlyCollection<string> Secrets => _secrets.Keys.ToArray();

    public static async Task<OAuthTestServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
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
                o.RegisterScopes(SmtpScope, Scopes.OfflineAccess);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
                o.UseAspNetCore()
                    .DisableTransportSecurityRequirement()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough();
            });

        var app = builder.Build();
        OAuthTestServer? server = null;
        app.Use(async (context, next) =>
        {
            await server!.RecordAsync(context, next);
        });
        app.UseRouting();
        app.UseAuthentication();
        app.MapMethods("connect/authorize", ["GET", "POST"], (Func<HttpContext, IResult>)Authorize);
        app.MapPost("connect/token", (Func<HttpContext, Task<IResult>>)Token);
        app.MapMethods("connect/verify", ["GET", "POST"], (Func<HttpContext, Task<IResult>>)Verify);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
            await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = SmtpScope });
            var publicClient = new OpenIddictApplicationDescriptor
            {
                ClientId = PublicClientId,
                ClientType = ClientTypes.Public,
                ApplicationType = ApplicationTypes.Native,
                DisplayName = "SmtpTap CLI (tests)",
                RedirectUris = { new Uri("http://127.0.0.1/callback") },
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.DeviceAuthorization,
                    Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.GrantTypes.DeviceCode,
                    Permissions.ResponseTypes.Code, Permissions.Prefixes.Scope + SmtpScope,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            };
            await applications.CreateAsync(publicClient);
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = ConfidentialClientId,
                ClientSecret = ClientSecret,
                ClientType = ClientTypes.Confidential,
                DisplayName = "SmtpTap daemon (tests)",
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials, Permissions.Prefixes.Scope + SmtpScope },
            });
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new OAuthTestServer(app, new Uri(address).GetLeftPart(UriPartial.Authority) + "/");
        server.AddSecret(ClientSecret);
        return server;
    }

    /// <summary>Approves a device code as the user would on the verification page.</summary>
    public async Task ApproveDeviceAsync(string userCode)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["user_code"] = userCode });
        using var response = await http.PostAsync(Issuer + "connect/verify", form);
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Redirect, "device approval failed: " + (int)response.StatusCode + " " + await response.Content.ReadAsStringAsync());
    }

    /// <summary>Revokes every token the server has issued (as a user or an admin revoking the grant would).</summary>
    public async Task RevokeAllTokensAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var all = new List<object>();
        await foreach (var token in tokens.ListAsync(count: null, offset: null, CancellationToken.None))
        {
            all.Add(token);
        }

        foreach (var token in all)
        {
            Assert.True(await tokens.TryRevokeAsync(token, CancellationToken.None));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void AddSecret(string? value)
    {
        if (!string.IsNullOrEmpty(value) && value.Length >= 8)
        {
            _secrets.TryAdd(value, 0);
        }
    }

    /// <summary>Records secrets from token/device requests and responses, and authorization codes in redirects.</summary>
    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/connect/token")
        {
            Interlocked.Increment(ref _tokenRequests);
        }

        if (context.Request.HasFormContentType)
        {
            context.Request.EnableBuffering();
            var form = await context.Request.ReadFormAsync();
            foreach (var field in s_secretFields)
            {
                AddSecret(form[field].ToString());
            }

            context.Request.Body.Position = 0;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
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
                    AddSecret(Uri.UnescapeDataString(pair[5..]));
                }
            }
        }

        if (buffer.Length > 0 && (context.Response.ContentType ?? "").Contains("json", StringComparison.Ordinal))
        {
            try
            {
                using var json = JsonDocument.Parse(buffer.ToArray());
                foreach (var field in s_secretFields)
                {
                    if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        AddSecret(value.GetString());
                    }
                }
            }
            catch (JsonException)
            {
            }
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original);
    }

    private static ClaimsIdentity UserIdentity(IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, User).SetClaim(Claims.Name, User).SetClaim(Claims.Email, User);
        identity.SetScopes(scopes);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return identity;
    }

    private static IResult Authorize(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenID request");
        return Results.SignIn(new ClaimsPrincipal(UserIdentity(request.GetScopes())), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Token(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("no OpenID request");
        if (request.IsClientCredentialsGrantType())
        {
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId!).SetClaim(Claims.Name, request.ClientId!);
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is null)
        {
            return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The grant is no longer valid.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return Results.SignIn(new ClaimsPrincipal(UserIdentity(result.Principal.GetScopes())), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Verify(HttpContext context)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is null || string.IsNullOrEmpty(result.Principal.GetClaim(Claims.ClientId)))
        {
            return Results.BadRequest("unknown user code");
        }

        return Results.SignIn(new ClaimsPrincipal(UserIdentity(result.Principal.GetScopes())), new AuthenticationProperties { RedirectUri = "/" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
