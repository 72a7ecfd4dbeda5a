using System.Security.Cryptography;
using System.Text;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace SmtpTap.OAuth;

/// <summary>Endpoints after presets and, for <c>--issuer</c>, OpenID discovery.</summary>
internal sealed record ResolvedEndpoints(string? Authorize, string Token, string? Device);

/// <summary>
/// The OAuth2 flows, through Duende.IdentityModel (no hand-built form posts): client credentials, device code
/// (RFC 8628), authorization code with PKCE and a loopback redirect (RFC 8252), refresh, and OpenID discovery.
/// Every failure is an <see cref="OAuthException"/> with one line naming the step and what the provider said.
/// </summary>
internal sealed class OAuthClient(HttpClient http, TimeProvider? time = null)
{
    private static readonly TimeSpan s_defaultLifetime = TimeSpan.FromHours(1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ResolvedEndpoints> ResolveAsync(AccountDefinition account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.Issuer is null || (account.TokenEndpoint is not null && NeededEndpointKnown(account)))
        {
            return new ResolvedEndpoints(account.AuthorizeEndpoint, account.TokenEndpoint!, account.DeviceEndpoint);
        }

        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = account.Issuer }, cancellationToken);
        if (discovery.IsError)
        {
            throw Failure("OpenID discovery at " + account.Issuer, discovery, account.Issuer);
        }

        return new ResolvedEndpoints(
            account.AuthorizeEndpoint ?? discovery.AuthorizeEndpoint,
            account.TokenEndpoint ?? discovery.TokenEndpoint ?? throw new OAuthException($"the discovery document of {account.Issuer} names no token endpoint"),
            account.DeviceEndpoint ?? discovery.DeviceAuthorizationEndpoint);
    }

    public async Task<TokenSet> LoginAsync(AccountDefinition account, string? clientSecret, LoginInteraction interaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(interaction);
        var endpoints = await ResolveAsync(account, cancellationToken);
        return account.Flow switch
        {
            OAuthFlow.ClientCredentials => await ClientCredentialsAsync(account, clientSecret, endpoints, cancellationToken),
            OAuthFlow.Device => await DeviceAsync(account, clientSecret, endpoints, interaction, cancellationToken),
            _ => await BrowserAsync(account, clientSecret, endpoints, interaction, cancellationToken),
        };
    }

    /// <summary>A new access token: with the refresh token, or for client credentials a new grant.</summary>
    public async Task<TokenSet> RefreshAsync(AccountDefinition account, string? clientSecret, TokenSet current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(current);
        var endpoints = await ResolveAsync(account, cancellationToken);
        if (account.Flow == OAuthFlow.ClientCredentials)
        {
            return await ClientCredentialsAsync(account, clientSecret, endpoints, cancellationToken);
        }

        if (current.RefreshToken is null)
        {
            throw new OAuthException($"account '{account.Name}' has no refresh token; run smtptap account login {account.Name}");
        }

        var response = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = endpoints.Token,
            ClientId = account.ClientId,
            ClientSecret = clientSecret,
            RefreshToken = current.RefreshToken,
        }, cancellationToken);
        if (response.IsError && (response.Error == OidcConstants.TokenErrors.InvalidGrant || JsonError(response) == OidcConstants.TokenErrors.InvalidGrant))
        {
            throw new OAuthException($"refresh refused by the identity provider: invalid_grant{Description(response.ErrorDescription)}; the grant was revoked or has expired: run smtptap account login {account.Name}");
        }

        return current.MergeRefresh(Tokens("refresh", response, endpoints.Token));
    }

    private async Task<TokenSet> ClientCredentialsAsync(AccountDefinition account, string? clientSecret, ResolvedEndpoints endpoints, CancellationToken cancellationToken)
    {
        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = endpoints.Token,
            ClientId = account.ClientId,
            ClientSecret = clientSecret,
            Scope = string.Join(' ', account.Scopes),
        }, cancellationToken);
        return Tokens("client-credentials token request", response, endpoints.Token);
    }

    private async Task<TokenSet> DeviceAsync(AccountDefinition account, string? clientSecret, ResolvedEndpoints endpoints, LoginInteraction interaction, CancellationToken cancellationToken)
    {
        if (endpoints.Device is null)
        {
            throw new OAuthException($"the identity provider of account '{account.Name}' has no device authorization endpoint; use --flow browser");
        }

        var authorization = await http.RequestDeviceAuthorizationAsync(new DeviceAuthorizationRequest
        {
            Address = endpoints.Device,
            ClientId = account.ClientId,
            ClientSecret = clientSecret,
            Scope = string.Join(' ', account.Scopes),
        }, cancellationToken);
        if (authorization.IsError)
        {
            throw Failure("device authorization request", authorization, endpoints.Device);
        }

        if (authorization.DeviceCode is null || authorization.UserCode is null || authorization.VerificationUri is null)
        {
            throw new OAuthException("the device authorization response lacks device_code, user_code or verification_uri");
        }

        interaction.Output.WriteLine($"To sign in as {account.User}, open {authorization.VerificationUri} and enter the code {authorization.UserCode}");
        if (authorization.VerificationUriComplete is { } complete)
        {
            interaction.Output.WriteLine($"(or open {complete})");
        }

        interaction.Output.WriteLine("Waiting for the sign-in...");
        interaction.Output.Flush();

        var interval = TimeSpan.FromSeconds(authorization.Interval > 0 ? authorization.Interval : 5);
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(authorization.ExpiresIn is > 0 ? authorization.ExpiresIn.Value : 900);
        while (true)
        {
            await interaction.Delay(interval, cancellationToken);
            var response = await http.RequestDeviceTokenAsync(new DeviceTokenRequest
            {
                Address = endpoints.Token,
                ClientId = account.ClientId,
                ClientSecret = clientSecret,
                DeviceCode = authorization.DeviceCode,
            }, cancellationToken);
            if (response.IsError && response.ErrorType == ResponseErrorType.Protocol)
            {
                if (response.Error == OidcConstants.TokenErrors.AuthorizationPending)
                {
                    if (_time.GetUtcNow() >= deadline)
                    {
                        throw new OAuthException("the device code expired before the sign-in was completed; run the login again");
                    }

                    continue;
                }

                if (response.Error == OidcConstants.TokenErrors.SlowDown)
                {
                    interval += TimeSpan.FromSeconds(5);
                    continue;
                }

                if (response.Error == OidcConstants.TokenErrors.ExpiredToken)
                {
                    throw new OAuthException("the device code expired before the sign-in was completed; run the login again");
                }

                if (response.Error == OidcConstants.TokenErrors.AccessDenied)
                {
                    throw new OAuthException("the sign-in was declined (access_denied)");
                }
            }

            return Tokens("device token request", response, endpoints.Token);
        }
    }

    private async Task<TokenSet> BrowserAsync(AccountDefinition account, string? clientSecret, ResolvedEndpoints endpoints, LoginInteraction interaction, CancellationToken cancellationToken)
    {
        if (endpoints.Authorize is null)
        {
            throw new OAuthException($"the identity provider of account '{account.Name}' has no authorization endpoint; use --flow device");
        }

        using var listener = LoopbackRedirectListener.Start();
        var state = CryptoRandom.CreateUniqueId(32);
        var verifier = CryptoRandom.CreateUniqueId(48);
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var url = new RequestUrl(endpoints.Authorize).CreateAuthorizeUrl(
            clientId: account.ClientId,
            responseType: OidcConstants.ResponseTypes.Code,
            scope: string.Join(' ', account.Scopes),
            redirectUri: listener.RedirectUri,
            state: state,
            loginHint: account.User,
            codeChallenge: challenge,
            codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256);

        interaction.Output.WriteLine($"To sign in as {account.User}, open this URL in a browser:");
        interaction.Output.WriteLine(url);
        var opened = interaction.OpenBrowser?.Invoke(url) ?? false;
        interaction.Output.WriteLine(opened ? "(opened in your browser) Waiting for the sign-in..." : "Waiting for the sign-in...");
        interaction.Output.Flush();

        var redirect = await listener.WaitAsync(interaction.BrowserTimeout, cancellationToken);
        if (!string.Equals(redirect.State, state, StringComparison.Ordinal))
        {
            throw new OAuthException("the sign-in redirect carried a wrong state; login abandoned (a stale or forged redirect)");
        }

        if (redirect.IsError)
        {
            throw new OAuthException($"the sign-in was refused by the identity provider: {Clean(redirect.Error)}{Description(redirect.ErrorDescription)}");
        }

        if (string.IsNullOrEmpty(redirect.Code))
        {
            throw new OAuthException("the sign-in redirect carried no authorization code");
        }

        var response = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = endpoints.Token,
            ClientId = account.ClientId,
            ClientSecret = clientSecret,
            Code = redirect.Code,
            RedirectUri = listener.RedirectUri,
            CodeVerifier = verifier,
        }, cancellationToken);
        return Tokens("authorization code exchange", response, endpoints.Token);
    }

    private TokenSet Tokens(string step, TokenResponse response, string endpoint)
    {
        if (response.IsError)
        {
            throw Failure(step, response, endpoint);
        }

        if (string.IsNullOrEmpty(response.AccessToken))
        {
            throw new OAuthException($"{step}: the identity provider returned no access token");
        }

        // expires_in is optional (RFC 6749 5.1): absent means the provider's default, assumed an hour; a given 0
        // (or less) means already expired, so the next use refreshes instead of trusting the token for an hour.
        var given = response.Json is { ValueKind: System.Text.Json.JsonValueKind.Object } json && json.TryGetProperty("expires_in", out _);
        var lifetime = given ? TimeSpan.FromSeconds(Math.Max(0, response.ExpiresIn)) : s_defaultLifetime;
        return new TokenSet
        {
            AccessToken = response.AccessToken,
            AccessTokenExpiresUtc = _time.GetUtcNow() + lifetime,
            RefreshToken = string.IsNullOrEmpty(response.RefreshToken) ? null : response.RefreshToken,
            Scope = response.Scope,
        };
    }

    private static OAuthException Failure(string step, ProtocolResponse response, string endpoint)
    {
        var host = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.Authority : endpoint;
        if (response.ErrorType == ResponseErrorType.Protocol && !string.IsNullOrEmpty(response.Error))
        {
            return new OAuthException($"{step} refused by the identity provider: {Clean(response.Error)}{Description(response.TryGet("error_description"))}");
        }

        // RFC 6749 section 5.2: invalid_client may come with HTTP 401; the JSON error is what matters.
        if (response.ErrorType == ResponseErrorType.Http && JsonError(response) is { Length: > 0 } error)
        {
            return new OAuthException($"{step} refused by the identity provider: {Clean(error)}{Description(response.TryGet("error_description"))}");
        }

        if (response.Exception is HttpRequestException or TaskCanceledException or System.Net.Sockets.SocketException)
        {
            return new OAuthException($"identity provider unreachable at {host} ({step}): {Clean(response.Exception.Message)}");
        }

        if (response.ErrorType == ResponseErrorType.Http)
        {
            return new OAuthException($"{step}: the identity provider at {host} answered HTTP {(int)response.HttpStatusCode} {Clean(response.HttpErrorReason)}");
        }

        return new OAuthException($"{step} failed at {host}: {Clean(response.Error ?? response.Exception?.Message)}");
    }

    private static string? JsonError(ProtocolResponse response)
    {
        try
        {
            return response.Json is { ValueKind: System.Text.Json.JsonValueKind.Object } ? response.TryGet("error") : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool NeededEndpointKnown(AccountDefinition account) => account.Flow switch
    {
        OAuthFlow.Browser => account.AuthorizeEndpoint is not null,
        OAuthFlow.Device => account.DeviceEndpoint is not null,
        _ => true,
    };

    private static string Description(string? description) =>
        string.IsNullOrWhiteSpace(description) ? "" : " (" + Clean(description) + ")";

    /// <summary>Provider text shown on one line, bounded, without control characters.</summary>
    internal static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var oneLine = new string(text.ReplaceLineEndings(" ").Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return oneLine.Length <= 200 ? oneLine : oneLine[..200] + "...";
    }
}
