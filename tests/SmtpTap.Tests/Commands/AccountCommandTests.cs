using System.CommandLine;
using SmtpTap.Commands;
using SmtpTap.OAuth;
using SmtpTap.Tests.Certificates;

namespace SmtpTap.Tests.Commands;

/// <summary>The account commands in process, with a scripted environment and prompt (no identity provider).</summary>
public sealed class AccountCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private readonly Queue<string> _typed = new();

    public AccountCommandTests() => _environment["SMTPTAP_HOME"] = _temp.Combine("home");

    public void Dispose() => _temp.Dispose();

    private ProbeInput Input(bool canPrompt = true) => new()
    {
        GetEnvironment = name => _environment.GetValueOrDefault(name),
        ReadStandardInputLine = () => null,
        CanPrompt = canPrompt,
        PromptWithoutEcho = _ => _typed.Count > 0 ? _typed.Dequeue() : null,
    };

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        var context = new AccountContext { Input = Input(), OpenBrowser = _ => false };
        var root = new RootCommand();
        root.Subcommands.Add(AccountCommand.Create(context));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = root.Parse(["account", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void AddThenList_ShowsNeedsLogin_AndTheNextStep()
    {
        var (exit, added, _) = Run("add", "work", "--provider", "microsoft", "--client-id", "app-id", "--tenant", "contoso.onmicrosoft.com", "--user", "crm@contoso.com");
        var (listExit, list, _) = Run("list");

        Assert.Equal(0, exit);
        Assert.Contains("Added account work (microsoft, browser flow) for crm@contoso.com in " + Path.Combine(_temp.Combine("home"), "accounts.json"), added, StringComparison.Ordinal);
        Assert.Contains("Scopes: https://outlook.office.com/SMTP.Send offline_access", added, StringComparison.Ordinal);
        Assert.Contains("Next: smtptap account login work", added, StringComparison.Ordinal);
        Assert.Equal(0, listExit);
        Assert.Matches(@"work\s+microsoft\s+crm@contoso\.com\s+browser\s+needs login", list);
    }

    [Fact]
    public void List_Empty_SaysHowToAdd()
    {
        var (exit, output, _) = Run("list");

        Assert.Equal(0, exit);
        Assert.StartsWith("No accounts in ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "add", "work", "--provider", "yahoo", "--client-id", "x", "--user", "a@b.c" }, "yahoo")]
    [InlineData(new[] { "add", "work", "--provider", "google", "--client-id", "x", "--user", "a@b.c", "--flow", "client-credentials", "--client-secret-env", "S" }, "not available with Google")]
    [InlineData(new[] { "add", "work", "--provider", "generic", "--client-id", "x", "--user", "a@b.c", "--scope", "smtp" }, "--provider generic needs --token-endpoint URL")]
    public void Add_WrongOptions_Exit2OneLine(string[] args, string expected)
    {
        var (exit, _, error) = Run(args);

        Assert.NotEqual(0, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Login_NoTerminalAndNoAppPasswordEnv_RefusedBeforeAnySignIn()
    {
        Run("add", "work", "--provider", "google", "--client-id", "x", "--user", "a@gmail.com");
        var context = new AccountContext { Input = Input(canPrompt: false), OpenBrowser = _ => throw new InvalidOperationException("no browser expected") };
        var root = new RootCommand();
        root.Subcommands.Add(AccountCommand.Create(context));
        var error = new StringWriter();

        var exit = root.Parse(["account", "login", "work"]).Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = error });

        Assert.Equal(2, exit);
        Assert.Equal("smtptap account: no terminal to ask the app password; use --app-password-env VAR", error.ToString().Trim());
    }

    [Fact]
    public void Login_ClientSecretVariableMissing_OneLine()
    {
        Run("add", "daemon", "--provider", "microsoft", "--tenant", "contoso.onmicrosoft.com", "--client-id", "x", "--client-secret-env", "MS_SECRET", "--flow", "client-credentials", "--user", "a@contoso.com");

        var (exit, _, error) = Run("login", "daemon");

        Assert.Equal(2, exit);
        Assert.Equal("smtptap account: environment variable MS_SECRET (the client secret of account 'daemon') is not set", error.Trim());
    }

    [Fact]
    public void AppPassword_PromptedTwice_MismatchAndShortAreRetried()
    {
        _typed.Enqueue("short");
        _typed.Enqueue("first-long-password");
        _typed.Enqueue("different-password");
        _typed.Enqueue("the-app-password");
        _typed.Enqueue("the-app-password");
        var messages = new StringWriter();

        var password = AppPasswordReader.ReadNew(Input(), null, "work", messages);

        Assert.Equal("the-app-password", password);
        Assert.Contains("at least 8 characters", messages.ToString(), StringComparison.Ordinal);
        Assert.Contains("The two entries differ", messages.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("password", messages.ToString().Replace("app password", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void AppPassword_FromEnvironment_NamesTheVariableNeverTheValue()
    {
        _environment["APP_PW"] = "short";

        var ex = Assert.Throws<OAuthException>(() => AppPasswordReader.ReadNew(Input(), "APP_PW", "work", TextWriter.Null));
        var missing = Assert.Throws<OAuthException>(() => AppPasswordReader.ReadNew(Input(), "NOT_SET", "work", TextWriter.Null));

        Assert.Equal("the app password in APP_PW is shorter than 8 characters", ex.Message);
        Assert.Equal("environment variable NOT_SET (--app-password-env) is not set", missing.Message);
    }
}
