using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using SmtpTap.OAuth;
using SmtpTap.Tests.Certificates;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.OAuth;

public sealed class TokenVaultTests : IDisposable
{
    private const string AccessToken = "eyJhbGciOiJSUzI1NiJ9.access-token-canary-0b7e4f2a9c.sig";
    private const string RefreshToken = "refresh-token-canary-53d9a1c6e8f04b27";
    private const string AppPassword = "correct horse battery staple";

    private static readonly KdfCost s_cheap = new(1024, 1, 1);
    private static readonly DateTimeOffset s_expires = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly SmtpTapHome _home;
    private readonly TokenVault _vault;

    public TokenVaultTests()
    {
        _home = SmtpTapHome.At(_temp.Combine("home"));
        _vault = new TokenVault(_home, s_cheap);
    }

    public void Dispose() => _temp.Dispose();

    private static TokenSet Tokens() => new()
    {
        AccessToken = AccessToken,
        AccessTokenExpiresUtc = s_expires,
        RefreshToken = RefreshToken,
        Scope = "https://outlook.office.com/SMTP.Send offline_access",
    };

    [Fact]
    public void SaveThenLoad_RoundTripsEveryField()
    {
        _vault.Save("work", AppPassword, Tokens());

        var loaded = _vault.Load("work", AppPassword);

        Assert.Equal(AccessToken, loaded.AccessToken);
        Assert.Equal(RefreshToken, loaded.RefreshToken);
        Assert.Equal(s_expires, loaded.AccessTokenExpiresUtc);
        Assert.Equal("https://outlook.office.com/SMTP.Send offline_access", loaded.Scope);
    }

    [Fact]
    public void FileOnDisk_ContainsNoTokenNorAppPasswordInClear()
    {
        _vault.Save("work", AppPassword, Tokens());

        var bytes = File.ReadAllBytes(_home.TokenFile("work"));
        var asText = Encoding.Latin1.GetString(bytes);

        SecretCanary.AssertAbsent(AccessToken, asText);
        SecretCanary.AssertAbsent(RefreshToken, asText);
        SecretCanary.AssertAbsent(AppPassword, asText);
        Assert.DoesNotContain("canary", asText, StringComparison.Ordinal);
    }

    [Fact]
    public void FileMode_IsOwnerReadWriteOnly()
    {
        _vault.Save("work", AppPassword, Tokens());

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_home.TokenFile("work")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_home.TokensDirectory));
        }
    }

    [Fact]
    public void WrongAppPassword_ClearError()
    {
        _vault.Save("work", AppPassword, Tokens());

        var ex = Assert.Throws<WrongAppPasswordException>(() => _vault.Load("work", "correct horse battery stapler"));

        Assert.Equal("wrong app password for account 'work' (or its token store was tampered with)", ex.Message);
    }

    [Theory]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    [InlineData("nonce")]
    [InlineData("salt")]
    [InlineData("accessTokenExpiresUtc")]
    [InlineData("hasRefreshToken")]
    public void Tampering_IsDetected(string field)
    {
        _vault.Save("work", AppPassword, Tokens());
        var path = _home.TokenFile("work");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        switch (field)
        {
            case "accessTokenExpiresUtc":
                json[field] = s_expires.AddDays(30).ToString("O");
                break;
            case "hasRefreshToken":
                json[field] = false;
                break;
            default:
                var data = Convert.FromBase64String(json[field]!.GetValue<string>());
                data[0] ^= 0x01;
                json[field] = Convert.ToBase64String(data);
                break;
        }

        File.WriteAllText(path, json.ToJsonString());

        Assert.Throws<WrongAppPasswordException>(() => _vault.Load("work", AppPassword));
    }

    [Fact]
    public void FileCopiedToAnotherAccount_IsRefused()
    {
        _vault.Save("work", AppPassword, Tokens());
        File.Copy(_home.TokenFile("work"), _home.TokenFile("other"));

        var ex = Assert.Throws<OAuthException>(() => _vault.Load("other", AppPassword));

        Assert.Contains("belongs to another account", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreasonableKdfParameters_AreRefusedBeforeDerivingAKey()
    {
        _vault.Save("work", AppPassword, Tokens());
        var path = _home.TokenFile("work");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["memoryKiB"] = 64 * 1024 * 1024;
        File.WriteAllText(path, json.ToJsonString());

        var ex = Assert.Throws<OAuthException>(() => _vault.Load("work", AppPassword));

        Assert.Contains("unreasonable key-derivation parameters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySave_UsesAFreshSaltAndNonce()
    {
        _vault.Save("work", AppPassword, Tokens());
        var first = JsonNode.Parse(File.ReadAllText(_home.TokenFile("work")))!;
        _vault.Save("work", AppPassword, Tokens());
        var second = JsonNode.Parse(File.ReadAllText(_home.TokenFile("work")))!;

        Assert.NotEqual(first["salt"]!.GetValue<string>(), second["salt"]!.GetValue<string>());
        Assert.NotEqual(first["nonce"]!.GetValue<string>(), second["nonce"]!.GetValue<string>());
        Assert.NotEqual(first["ciphertext"]!.GetValue<string>(), second["ciphertext"]!.GetValue<string>());
    }

    [Fact]
    public void State_IsReadableWithoutTheAppPassword()
    {
        Assert.Equal("needs login", _vault.State("work").Describe(s_expires));
        _vault.Save("work", AppPassword, Tokens());

        Assert.Equal("valid until 2026-12-04 15:00:00Z", _vault.State("work").Describe(s_expires.AddMinutes(-1)));
        Assert.Equal("refreshable", _vault.State("work").Describe(s_expires.AddMinutes(1)));
        _vault.Save("work", AppPassword, new TokenSet { AccessToken = AccessToken, AccessTokenExpiresUtc = s_expires });
        Assert.Equal("needs login", _vault.State("work").Describe(s_expires.AddMinutes(1)));
        Assert.Equal("refreshable", _vault.State("work").Describe(s_expires.AddMinutes(1), renewableWithoutUser: true));
        Assert.Equal("needs login", _vault.State("nobody").Describe(s_expires, renewableWithoutUser: true));
    }

    [Fact]
    public void TokenSetToString_ShowsNoToken()
    {
        var text = Tokens().ToString();

        Assert.DoesNotContain(AccessToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(RefreshToken, text, StringComparison.Ordinal);
        Assert.Contains("refresh token: yes", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultCost_IsMemoryHardAndStillUsable()
    {
        Assert.True(KdfCost.Default.MemoryKiB >= 19 * 1024);
        var vault = new TokenVault(_home);
        var watch = Stopwatch.StartNew();
        vault.Save("work", AppPassword, Tokens());

        Assert.Equal(RefreshToken, vault.Load("work", AppPassword).RefreshToken);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"two Argon2id derivations took {watch.Elapsed}");
        var json = JsonNode.Parse(File.ReadAllText(_home.TokenFile("work")))!;
        Assert.Equal(KdfCost.Default.MemoryKiB, json["memoryKiB"]!.GetValue<int>());
        Assert.Equal("argon2id", json["kdf"]!.GetValue<string>());
    }
}
