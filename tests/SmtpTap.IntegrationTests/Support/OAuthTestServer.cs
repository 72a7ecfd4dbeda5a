using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using SmtpTap.OAuthIdp;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// A real OAuth2 authorization server for the account tests: the loopback identity provider of the interop rig
/// (<see cref="OAuthIdpHost"/>, OpenIddict on Kestrel, compiled in from tests/interop/OAuthIdp) on a random port of
/// 127.0.0.1. It supports client credentials, device code, authorization code + PKCE and refresh tokens; consent is
/// automatic. It records every secret it hands out or receives (tokens, codes, PKCE verifiers, client secret) so tests
/// can check none of them leaks into the CLI's output or files.
/// </summary>
internal sealed class OAuthTestServer : IAsyncDisposable
{
    public const string PublicClientId = OAuthIdpSettings.PublicClientId;
    public const string ConfidentialClientId = OAuthIdpSettings.ConfidentialClientId;
    public const string ClientSecret = "canary-client-secret-5d1f0a9e7b";
    public const string SmtpScope = OAuthIdpSettings.SmtpScope;
    public const string User = "crm@contoso.example";

    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);
    private WebApplication _app = null!;
    private int _tokenRequests;

    private OAuthTestServer()
    {
    }

    /// <summary>The issuer, with a trailing slash: <c>http://127.0.0.1:PORT/</c>.</summary>
    public string Issuer { get; private set; } = "";

    public string TokenEndpoint => Issuer + "connect/token";

    public string AuthorizeEndpoint => Issuer + "connect/authorize";

    public string DeviceEndpoint => Issuer + "connect/device";

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Every secret seen so far (issued or received).</summary>
    public IReadOnlyCollection<string> Secrets => _secrets.Keys.ToArray();

    public static async Task<OAuthTestServer> StartAsync()
    {
        var server = new OAuthTestServer();
        server._app = await OAuthIdpHost.StartAsync(new OAuthIdpSettings
        {
            User = User,
            ClientSecret = ClientSecret,
            OnSecret = secret => server._secrets.TryAdd(secret, 0),
            OnRequest = (_, path, _, _) =>
            {
                if (path == "/connect/token")
                {
                    Interlocked.Increment(ref server._tokenRequests);
                }
            },
        });
        server.Issuer = OAuthIdpHost.IssuerOf(server._app);
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
    public async Task RevokeAllTokensAsync() => Assert.True(await OAuthIdpHost.RevokeAsync(_app.Services, subject: null, CancellationToken.None) > 0);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
