using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmtpTap.OAuth;

/// <summary>Argon2id cost; stored beside each encrypted file so a later change of defaults still opens old files.</summary>
internal sealed record KdfCost(int MemoryKiB, int Iterations, int Parallelism)
{
    /// <summary>64 MiB, 3 passes, 1 lane: above OWASP's Argon2id minimums (19 MiB, 2 passes).</summary>
    public static readonly KdfCost Default = new(64 * 1024, 3, 1);

    public void Check()
    {
        if (MemoryKiB is < 8 or > 1024 * 1024 || Iterations is < 1 or > 20 || Parallelism is < 1 or > 16 || MemoryKiB < 8 * Parallelism)
        {
            throw new OAuthException("token store has unreasonable key-derivation parameters (damaged or tampered with)");
        }
    }
}

/// <summary>The token file as JSON: KDF parameters, nonce, ciphertext and tag, and the non-secret state (authenticated).</summary>
internal sealed class TokenEnvelope
{
    public const string CurrentFormat = "smtptap-tokens/1";

    public string Format { get; set; } = CurrentFormat;

    public string Account { get; set; } = "";

    public string Kdf { get; set; } = "argon2id";

    public int MemoryKiB { get; set; }

    public int Iterations { get; set; }

    public int Parallelism { get; set; }

    public string Salt { get; set; } = "";

    public string Nonce { get; set; } = "";

    public string Ciphertext { get; set; } = "";

    public string Tag { get; set; } = "";

    public DateTimeOffset? AccessTokenExpiresUtc { get; set; }

    public bool HasRefreshToken { get; set; }

    /// <summary>The ciphertext holds a server password (a <c>password</c> account).</summary>
    public bool HasServerPassword { get; set; }

    /// <summary>Everything outside the ciphertext, bound to it as AES-GCM associated data.</summary>
    public byte[] AssociatedData() => Encoding.UTF8.GetBytes(string.Join('|',
        Format, Account, Kdf, MemoryKiB.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture), Parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Salt, Nonce, AccessTokenExpiresUtc?.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", HasRefreshToken ? "r" : "-")
        + (HasServerPassword ? "|p" : string.Empty));
}

/// <summary>The encrypted part of the token file.</summary>
internal sealed class TokenPayload
{
    public string? AccessToken { get; set; }

    public DateTimeOffset? AccessTokenExpiresUtc { get; set; }

    public string? RefreshToken { get; set; }

    public string? Scope { get; set; }

    public string? ServerPassword { get; set; }
}

/// <summary>
/// The encrypted token store: one file per account (<c>tokens/NAME.tokens</c>, mode 0600), AES-256-GCM with a key
/// derived from the app password by Argon2id (BouncyCastle) with a fresh random salt and nonce on every write.
/// Without the app password the file tells only whether an access token is still valid and whether a refresh
/// token exists (authenticated, not secret). A wrong app password fails the GCM tag check.
/// </summary>
internal sealed class TokenVault(SmtpTapHome home, KdfCost? cost = null)
{
    private const int KeySize = 32;
    private const int SaltSize = 16;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly KdfCost _cost = cost ?? KdfCost.Default;

    public SmtpTapHome Home { get; } = home;

    public bool Exists(string account) => File.Exists(Home.TokenFile(account));

    public void Save(string account, string appPassword, TokenSet tokens)
    {
        ArgumentNullException.ThrowIfNull(appPassword);
        ArgumentNullException.ThrowIfNull(tokens);
        var payload = new TokenPayload
        {
            AccessToken = tokens.AccessToken,
            AccessTokenExpiresUtc = tokens.AccessTokenExpiresUtc,
            RefreshToken = tokens.RefreshToken,
            Scope = tokens.Scope,
            ServerPassword = tokens.ServerPassword,
        };
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(payload, OAuthJsonContext.Default.TokenPayload);
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var envelope = new TokenEnvelope
        {
            Account = account,
            MemoryKiB = _cost.MemoryKiB,
            Iterations = _cost.Iterations,
            Parallelism = _cost.Parallelism,
            Salt = Convert.ToBase64String(salt),
            Nonce = Convert.ToBase64String(nonce),
            AccessTokenExpiresUtc = tokens.AccessToken is null ? null : tokens.AccessTokenExpiresUtc,
            HasRefreshToken = tokens.RefreshToken is not null,
            HasServerPassword = tokens.ServerPassword is not null,
        };
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagSize];
        var key = DeriveKey(appPassword, salt, _cost);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, envelope.AssociatedData());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }

        envelope.Ciphertext = Convert.ToBase64String(ciphertext);
        envelope.Tag = Convert.ToBase64String(tag);
        Home.EnsureCreated();
        SmtpTapHome.WritePrivateFile(Home.TokenFile(account), JsonSerializer.SerializeToUtf8Bytes(envelope, OAuthJsonContext.Default.TokenEnvelope));
    }

    /// <summary>Opens the store; <see cref="WrongAppPasswordException"/> when the password (or the file) does not authenticate.</summary>
    public TokenSet Load(string account, string appPassword)
    {
        ArgumentNullException.ThrowIfNull(appPassword);
        var envelope = ReadEnvelope(account) ?? throw new OAuthException($"account '{account}' has no tokens yet; run smtptap account login {account}");
        var cost = new KdfCost(envelope.MemoryKiB, envelope.Iterations, envelope.Parallelism);
        cost.Check();
        byte[] salt, nonce, ciphertext, tag;
        try
        {
            salt = Convert.FromBase64String(envelope.Salt);
            nonce = Convert.FromBase64String(envelope.Nonce);
            ciphertext = Convert.FromBase64String(envelope.Ciphertext);
            tag = Convert.FromBase64String(envelope.Tag);
        }
        catch (FormatException ex)
        {
            throw Damaged(account, ex);
        }

        if (envelope.Format != TokenEnvelope.CurrentFormat || envelope.Kdf != "argon2id" || salt.Length < SaltSize || nonce.Length != NonceSize || tag.Length != TagSize)
        {
            throw Damaged(account, null);
        }

        if (!string.Equals(envelope.Account, account, StringComparison.Ordinal))
        {
            throw new OAuthException($"token store of account '{account}' belongs to another account (copied or tampered with)");
        }

        var plaintext = new byte[ciphertext.Length];
        var key = DeriveKey(appPassword, salt, cost);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(nonce, ciphertext, tag, plaintext, envelope.AssociatedData());
            var payload = JsonSerializer.Deserialize(plaintext, OAuthJsonContext.Default.TokenPayload) ?? throw Damaged(account, null);
            return new TokenSet
            {
                AccessToken = payload.AccessToken,
                AccessTokenExpiresUtc = payload.AccessTokenExpiresUtc,
                RefreshToken = payload.RefreshToken,
                Scope = payload.Scope,
                ServerPassword = payload.ServerPassword,
            };
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new WrongAppPasswordException($"wrong app password for account '{account}' (or its token store was tampered with)", ex);
        }
        catch (JsonException ex)
        {
            throw Damaged(account, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The non-secret state, readable without the app password.</summary>
    public TokenState State(string account)
    {
        try
        {
            var envelope = ReadEnvelope(account);
            return envelope is null ? TokenState.None : new TokenState(true, envelope.AccessTokenExpiresUtc, envelope.HasRefreshToken, envelope.HasServerPassword);
        }
        catch (OAuthException)
        {
            return TokenState.None;
        }
    }

    public void Delete(string account) => File.Delete(Home.TokenFile(account));

    private TokenEnvelope? ReadEnvelope(string account)
    {
        var path = Home.TokenFile(account);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), OAuthJsonContext.Default.TokenEnvelope) ?? throw Damaged(account, null);
        }
        catch (JsonException ex)
        {
            throw Damaged(account, ex);
        }
    }

    private static OAuthException Damaged(string account, Exception? inner) =>
        inner is null
            ? new OAuthException($"token store of account '{account}' is damaged; run smtptap account login {account}")
            : new OAuthException($"token store of account '{account}' is damaged; run smtptap account login {account}", inner);

    private static byte[] DeriveKey(string appPassword, byte[] salt, KdfCost cost)
    {
        var parameters = new Argon2Parameters.Builder(Argon2Parameters.Argon2id)
            .WithVersion(Argon2Parameters.Version13)
            .WithSalt(salt)
            .WithMemoryAsKB(cost.MemoryKiB)
            .WithIterations(cost.Iterations)
            .WithParallelism(cost.Parallelism)
            .Build();
        var generator = new Argon2BytesGenerator();
        generator.Init(parameters);
        var password = Encoding.UTF8.GetBytes(appPassword);
        var key = new byte[KeySize];
        try
        {
            generator.GenerateBytes(password, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }

        return key;
    }
}
