using System.Text.Json;
using System.Text.RegularExpressions;

namespace SmtpTap.OAuth;

/// <summary>Reads and writes <c>accounts.json</c> in the SmtpTap home (definitions only, no secrets).</summary>
internal sealed partial class AccountStore(SmtpTapHome home)
{
    public SmtpTapHome Home { get; } = home;

    public IReadOnlyList<AccountDefinition> List() => Load().Accounts;

    public AccountDefinition? Find(string name) =>
        Load().Accounts.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));

    public AccountDefinition Get(string name) =>
        Find(name) ?? throw new OAuthException($"unknown account '{name}' (see smtptap account list)");

    public void Add(AccountDefinition account)
    {
        ArgumentNullException.ThrowIfNull(account);
        ValidateName(account.Name);
        var file = Load();
        if (file.Accounts.Any(a => string.Equals(a.Name, account.Name, StringComparison.Ordinal)))
        {
            throw new OAuthException($"account '{account.Name}' already exists (smtptap account remove {account.Name} first)");
        }

        file.Accounts.Add(account);
        Save(file);
    }

    /// <summary>Removes the definition and its token store; false when there was no such account.</summary>
    public bool Remove(string name)
    {
        var file = Load();
        var removed = file.Accounts.RemoveAll(a => string.Equals(a.Name, name, StringComparison.Ordinal)) > 0;
        if (removed)
        {
            Save(file);
            File.Delete(Home.TokenFile(name));
            File.Delete(Home.LoginLockFile(name));
        }

        return removed;
    }

    public static void ValidateName(string name)
    {
        if (!NameRegex().IsMatch(name))
        {
            throw new OAuthException($"account name '{name}' is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private AccountsFile Load()
    {
        if (!File.Exists(Home.AccountsFile))
        {
            return new AccountsFile();
        }

        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(Home.AccountsFile), OAuthJsonContext.Default.AccountsFile);
            return file ?? throw new OAuthException($"{Home.AccountsFile} is empty");
        }
        catch (JsonException ex)
        {
            throw new OAuthException($"{Home.AccountsFile} is not valid: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }
    }

    private void Save(AccountsFile file)
    {
        Home.EnsureCreated();
        SmtpTapHome.WritePrivateFile(Home.AccountsFile, JsonSerializer.SerializeToUtf8Bytes(file, OAuthJsonContext.Default.AccountsFile));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NameRegex();
}
