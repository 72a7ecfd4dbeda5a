using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace SmtpTap.OAuth;

/// <summary>
/// <see cref="IUpstreamCredentials"/> over the account store and the encrypted token vault. The app password is
/// checked by opening the vault (Argon2id + AES-GCM) the first time; after that, a keyed digest held in memory only
/// lets later sessions skip the slow derivation. An access token is refreshed when it expires within the margin,
/// one refresh at a time per account: concurrent sessions wait for it and reuse the result.
/// </summary>
internal sealed class AccountCredentials : IUpstreamCredentials
{
    public delegate Task<TokenSet> Refresher(AccountDefinition account, TokenSet current, CancellationToken cancellationToken);

    private readonly AccountStore _accounts;
    private readonly TokenVault _vault;
    private readonly Refresher _refresh;
    private readonly TimeProvider _time;
    private readonly TimeSpan _margin;
    private readonly byte[] _digestKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedAccount> _cache = new(StringComparer.Ordinal);

    public AccountCredentials(AccountStore accounts, TokenVault vault, Refresher refresh, TimeProvider? time = null, TimeSpan? refreshMargin = null)
    {
        _accounts = accounts;
        _vault = vault;
        _refresh = refresh;
        _time = time ?? TimeProvider.System;
        _margin = refreshMargin ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>The production refresher: Duende.IdentityModel through <see cref="OAuthClient"/>, client secret from the environment.</summary>
    public static Refresher HttpRefresher(HttpClient http, Func<string, string?> getEnvironment, TimeProvider? time = null) =>
        (account, current, cancellationToken) =>
        {
            var secret = account.ClientSecretEnv is null ? null : getEnvironment(account.ClientSecretEnv)
                ?? throw new OAuthException($"environment variable {account.ClientSecretEnv} (the client secret of account '{account.Name}') is not set");
            return new OAuthClient(http, time).RefreshAsync(account, secret, current, cancellationToken);
        };

    public async Task<UpstreamAuthentication?> GetAsync(string clientUser, string appPassword, IReadOnlyCollection<string> serverMechanisms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appPassword);
        ArgumentNullException.ThrowIfNull(serverMechanisms);
        var account = _accounts.List().FirstOrDefault(a => string.Equals(a.User, clientUser, StringComparison.OrdinalIgnoreCase));
        return account is null ? null : await GetForAccountAsync(account, appPassword, serverMechanisms, cancellationToken);
    }

    /// <summary>
    /// The upstream AUTH for <paramref name="account"/> (also for <c>--inject-auth</c>, where no client user is given).
    /// Throws as <see cref="GetAsync"/> does.
    /// </summary>
    public async Task<UpstreamAuthentication> GetForAccountAsync(AccountDefinition account, string appPassword, IReadOnlyCollection<string> serverMechanisms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(appPassword);
        ArgumentNullException.ThrowIfNull(serverMechanisms);
        var mechanism = ChooseMechanism(account, serverMechanisms);
        var gate = _locks.GetOrAdd(account.Name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var digest = Digest(account.Name, appPassword);
            TokenSet tokens;

            // The memory copy stands only while the token file is the one it was read from: a later 'account login'
            // (a new app password, new tokens) rewrites the file, and the next session verifies against it again.
            if (_cache.TryGetValue(account.Name, out var cached) && cached.File == Stamp(account.Name)
                && CryptographicOperations.FixedTimeEquals(cached.PasswordDigest, digest))
            {
                tokens = cached.Tokens;
            }
            else
            {
                _cache.TryRemove(account.Name, out _);
                tokens = _vault.Load(account.Name, appPassword);
                _cache[account.Name] = new CachedAccount(digest, tokens, Stamp(account.Name));
            }

            if (account.HoldsPassword)
            {
                return new UpstreamAuthentication
                {
                    Account = account.Name,
                    User = account.User,
                    Mechanism = mechanism,
                    InitialResponse = [],
                    Password = tokens.ServerPassword ?? throw new OAuthException($"account '{account.Name}' has no stored server password; run smtptap account login {account.Name}"),
                    AccessTokenExpiresUtc = DateTimeOffset.MaxValue,
                    Source = TokenSource.Cache,
                };
            }

            var source = TokenSource.Cache;
            if (!tokens.HasValidAccessToken(_time.GetUtcNow(), _margin))
            {
                tokens = tokens.MergeRefresh(await _refresh(account, tokens, cancellationToken));
                _vault.Save(account.Name, appPassword, tokens);
                _cache[account.Name] = new CachedAccount(digest, tokens, Stamp(account.Name));
                source = TokenSource.Refreshed;
            }

            return new UpstreamAuthentication
            {
                Account = account.Name,
                User = account.User,
                Mechanism = mechanism,
                InitialResponse = mechanism == "XOAUTH2"
                    ? UpstreamAuthentication.XOAuth2(account.User, tokens.AccessToken!)
                    : UpstreamAuthentication.OAuthBearer(account.User, tokens.AccessToken!),
                AccessToken = tokens.AccessToken,
                AccessTokenExpiresUtc = tokens.AccessTokenExpiresUtc!.Value,
                Source = source,
            };
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Opens the account's store now (the Argon2id check of the app password) and keeps it in memory for the sessions
    /// that follow, so the first one does not pay the derivation (--inject-auth opens its account at start).
    /// </summary>
    public TokenSet Open(AccountDefinition account, string appPassword)
    {
        ArgumentNullException.ThrowIfNull(account);
        var tokens = _vault.Load(account.Name, appPassword);
        _cache[account.Name] = new CachedAccount(Digest(account.Name, appPassword), tokens, Stamp(account.Name));
        return tokens;
    }

    /// <summary>Forgets what is held in memory for an account (after a new login or a removal).</summary>
    public void Forget(string account) => _cache.TryRemove(account, out _);

    internal static string ChooseMechanism(AccountDefinition account, IReadOnlyCollection<string> serverMechanisms)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(serverMechanisms);
        if (account.HoldsPassword)
        {
            return ChoosePasswordMechanism(account, serverMechanisms);
        }

        var offersXOAuth2 = serverMechanisms.Contains("XOAUTH2", StringComparer.OrdinalIgnoreCase);
        var offersOAuthBearer = serverMechanisms.Contains("OAUTHBEARER", StringComparer.OrdinalIgnoreCase);
        return account.Mechanism switch
        {
            UpstreamMechanism.XOAuth2 => "XOAUTH2",
            UpstreamMechanism.OAuthBearer => "OAUTHBEARER",
            UpstreamMechanism.Auto when offersXOAuth2 => "XOAUTH2",
            UpstreamMechanism.Auto when offersOAuthBearer => "OAUTHBEARER",
            UpstreamMechanism.Auto => throw new OAuthException($"the server offers neither XOAUTH2 nor OAUTHBEARER for account '{account.Name}' (it offers: {(serverMechanisms.Count == 0 ? "no AUTH" : string.Join(' ', serverMechanisms))})"),
            _ => throw new OAuthException($"account '{account.Name}' is an OAuth2 account: its mechanism must be auto, xoauth2 or oauthbearer"),
        };
    }

    /// <summary>
    /// A <c>password</c> account's upstream mechanism: the account's own (<c>--mechanism</c>) when the server offers it,
    /// else the first the server offers of PLAIN, LOGIN, CRAM-MD5 (PLAIN and LOGIN carry the same password; CRAM-MD5 last,
    /// as it needs the server to keep the password in clear).
    /// </summary>
    internal static string ChoosePasswordMechanism(AccountDefinition account, IReadOnlyCollection<string> serverMechanisms)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(serverMechanisms);
        string[] candidates = account.Mechanism switch
        {
            UpstreamMechanism.Plain => ["PLAIN"],
            UpstreamMechanism.Login => ["LOGIN"],
            UpstreamMechanism.CramMd5 => ["CRAM-MD5"],
            _ => ["PLAIN", "LOGIN", "CRAM-MD5"],
        };
        return candidates.FirstOrDefault(m => serverMechanisms.Contains(m, StringComparer.OrdinalIgnoreCase))
            ?? throw new OAuthException($"the server offers none of {string.Join(", ", candidates)} for account '{account.Name}' (it offers: {(serverMechanisms.Count == 0 ? "no AUTH" : string.Join(' ', serverMechanisms))})");
    }

    private byte[] Digest(string account, string appPassword) =>
        HMACSHA256.HashData(_digestKey, Encoding.UTF8.GetBytes(account + "\0" + appPassword));

    /// <summary>What identifies one version of the account's token file (null: no file).</summary>
    private (DateTime WrittenUtc, long Length)? Stamp(string account)
    {
        var file = new FileInfo(_vault.Home.TokenFile(account));
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : null;
    }

    private sealed record CachedAccount(byte[] PasswordDigest, TokenSet Tokens, (DateTime WrittenUtc, long Length)? File);
}
