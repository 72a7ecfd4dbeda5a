using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace SmtpTap.OAuthIdp;

/// <summary>
/// The interop rig's OAuth2 authorization server as a process (tests/interop/run-matrix.sh starts it; README.md says how
/// to run it by hand): <see cref="OAuthIdpHost"/> on 127.0.0.1, plus a request log, the admin hooks of
/// <see cref="AdminEndpoints"/> and, for canary scans, a file of every secret it saw. Runs until SIGTERM or Ctrl+C.
/// Exit 2 for a usage error.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        IdpOptions options;
        string secret;
        try
        {
            options = IdpOptions.Parse(args);
            secret = Environment.GetEnvironmentVariable(options.ClientSecretEnv) is { Length: >= 8 } s ? s
                : throw new ArgumentException($"environment variable {options.ClientSecretEnv} must hold the client secret (at least 8 characters)");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync($"oauth-idp: {e.Message}\n{IdpOptions.Usage}").ConfigureAwait(false);
            return 2;
        }

        var key = SigningKeyFile.Load(options.SigningKey);
        if (options.PublicKeyOut is not null)
        {
            SigningKeyFile.WritePublicKey(key, options.PublicKeyOut);
        }

        using var requests = new LineFile(options.RequestLog, privateMode: false);
        using var secrets = new LineFile(options.SecretsFile, privateMode: true);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var admin = new AdminEndpoints();
        var app = await OAuthIdpHost.StartAsync(new OAuthIdpSettings
        {
            User = options.User,
            DaemonMailbox = options.DaemonMailbox,
            ClientSecret = secret,
            Port = options.Port,
            SigningKey = key,
            AccessTokenLifetime = admin.AccessTokenLifetime,
            OnSecret = value =>
            {
                lock (seen)
                {
                    if (seen.Add(value))
                    {
                        secrets.Append(value);
                    }
                }
            },
            OnRequest = (method, path, grant, status) => requests.Append(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                ["method"] = method,
                ["path"] = path,
                ["grant_type"] = grant,
                ["status"] = status,
            })),
        }, admin.Map).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            var issuer = OAuthIdpHost.IssuerOf(app);
            var port = new Uri(issuer).Port;
            if (options.PortFile is not null)
            {
                await File.WriteAllTextAsync(options.PortFile, port.ToString(CultureInfo.InvariantCulture) + "\n").ConfigureAwait(false);
            }

            Console.WriteLine($"oauth-idp: issuer {issuer} (kid {key.KeyId}, RS256 access tokens, not encrypted)");
            Console.WriteLine($"oauth-idp: user {options.User} (authorization code + PKCE and device code, approved automatically); " +
                $"clients {OAuthIdpSettings.PublicClientId} (public) and {OAuthIdpSettings.ConfidentialClientId} (confidential, client credentials, email {options.DaemonMailbox}); scope {OAuthIdpSettings.SmtpScope}");
            Console.WriteLine($"oauth-idp: endpoints {issuer}connect/authorize, connect/token, connect/device, connect/verify (POST user_code=...), .well-known/openid-configuration");
            Console.WriteLine("oauth-idp: ready; Ctrl+C to stop");
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }
}
