using System.CommandLine;
using System.Text;
using SmtpTap.Commands;
using SmtpTap.OAuth;
using SmtpTap.Tests.Certificates;
using SmtpTap.Tests.Support;

namespace SmtpTap.Tests.Commands;

/// <summary><c>account add --provider password</c> and its <c>login</c> in process, with scripted prompts: what is asked, stored and shown.</summary>
public sealed class AccountPasswordCommandTests : IDisposable
{
    private const string ServerPassword = "server-pw-canary-71c2";
    private const string AppPassword = "app-pw-canary-0e94d";
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private readonly Queue<string> _typed = new();
    private readonly List<string> _prompts = [];

    public AccountPasswordCommandTests() => _environment["SMTPTAP_HOME"] = _temp.Combine("home");

    public void Dispose() => _temp.Dispose();

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        var input = new ProbeInput
        {
            GetEnvironment = name => _environment.GetValueOrDefault(name),
            ReadStandardInputLine = () => null,
            CanPrompt = true,
            PromptWithoutEcho = prompt =>
            {
                _prompts.Add(prompt);
                return _typed.Count > 0 ? _typed.Dequeue() : null;
            },
        };
        var root = new RootCommand();
        root.Subcommands.Add(AccountCommand.Create(new AccountContext { Input = input, OpenBrowser = _ => false, KdfCost = new KdfCost(1024, 1, 1) }));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = root.Parse(["account", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void AddAndLogin_AsksServerPasswordThenAppPasswordTwice_StoresEncrypted_ListSaysPasswordStored()
    {
        var (addExit, added, _) = Run("add", "printer", "--provider", "password", "--user", "printer@contoso.com", "--mechanism", "login");
        _typed.Enqueue(ServerPassword);
        _typed.Enqueue(AppPassword);
        _typed.Enqueue(AppPassword);
        var (loginExit, login, loginError) = Run("login", "printer");
        var (_, list, _) = Run("list");

        Assert.Equal(0, addExit);
        Assert.Contains("Added account printer (password, mechanism login) for printer@contoso.com", added, StringComparison.Ordinal);
        Assert.True(loginExit == 0, login + loginError);
        Assert.Equal(3, _prompts.Count);
        Assert.StartsWith("Server password of printer@contoso.com", _prompts[0], StringComparison.Ordinal);
        Assert.StartsWith("App password for account printer", _prompts[1], StringComparison.Ordinal);
        Assert.Contains("Server password of printer@contoso.com stored encrypted with the app password", login, StringComparison.Ordinal);
        Assert.Matches(@"printer\s+password\s+printer@contoso\.com\s+-\s+password stored", list);
        var home = SmtpTapHome.At(_temp.Combine("home"));
        Assert.Equal(ServerPassword, new TokenVault(home).Load("printer", AppPassword).ServerPassword);
        var disk = string.Join("\n", Directory.EnumerateFiles(home.Path, "*", SearchOption.AllDirectories).Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        foreach (var secret in new[] { ServerPassword, AppPassword })
        {
            SecretCanary.AssertAbsent(secret, login + loginError + list + disk);
        }
    }

    [Fact]
    public void Login_AppPasswordSameAsServerPassword_Refused_NothingStored()
    {
        Run("add", "printer", "--provider", "password", "--user", "printer@contoso.com");
        _environment["SERVER_PW"] = ServerPassword;
        _environment["APP_PW"] = ServerPassword;
        var (exit, _, error) = Run("login", "printer", "--password-env", "SERVER_PW", "--app-password-env", "APP_PW");

        Assert.Equal(2, exit);
        Assert.Equal("smtptap account: the app password must differ from the server password (the app password only unlocks the stored one); nothing was stored", error.Trim());
        Assert.False(new TokenVault(SmtpTapHome.At(_temp.Combine("home"))).Exists("printer"));
    }

    [Theory]
    [InlineData(new[] { "add", "p", "--provider", "password", "--user", "p@c.com", "--client-id", "x" }, "--provider password takes only --user and --mechanism")]
    [InlineData(new[] { "add", "w", "--provider", "google", "--user", "w@c.com" }, "--client-id must not be empty")]
    [InlineData(new[] { "add", "w", "--provider", "google", "--client-id", "x", "--user", "w@c.com", "--mechanism", "cram-md5" }, "--mechanism plain, login and cram-md5 are for --provider password")]
    public void Add_MixedUpOptions_OneClearLine(string[] args, string expected)
    {
        var (exit, _, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("smtptap account: " + expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_PasswordAccount_SaysThereIsNothingToRefresh()
    {
        Run("add", "printer", "--provider", "password", "--user", "printer@contoso.com");
        _environment["APP_PW"] = AppPassword;
        var (exit, _, error) = Run("refresh", "printer", "--app-password-env", "APP_PW");
        Assert.Equal(2, exit);
        Assert.Contains("holds a server password, not OAuth2 tokens: nothing to refresh", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Login_OAuthAccountWithPasswordEnv_OneClearLine()
    {
        Run("add", "work", "--provider", "google", "--client-id", "x", "--user", "w@gmail.com");
        var (exit, _, error) = Run("login", "work", "--password-env", "SERVER_PW");
        Assert.Equal(2, exit);
        Assert.Contains("--password-env is for password accounts", error, StringComparison.Ordinal);
    }
}
