using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// Runs the real <c>smtptap account ...</c> commands as child processes with their own SmtpTap home
/// (<c>SMTPTAP_HOME</c>), an app password and a client secret in the environment; keeps every output for the
/// secret canaries.
/// </summary>
internal sealed class AccountCli : IDisposable
{
    public const string AppPassword = "app-password-canary-7c41e2";
    public const string AppPasswordVariable = "SMTPTAP_TEST_APP_PASSWORD";
    public const string ClientSecretVariable = "SMTPTAP_TEST_CLIENT_SECRET";

    private readonly TempDirectory _temp = new();
    private readonly List<string> _outputs = [];

    public AccountCli()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(WorkingDirectory);
        Environment = new Dictionary<string, string>
        {
            ["SMTPTAP_HOME"] = Home,
            [AppPasswordVariable] = AppPassword,
            [ClientSecretVariable] = OAuthTestServer.ClientSecret,
            ["DISPLAY"] = "",
            ["WAYLAND_DISPLAY"] = "",
        };
    }

    public string Home => _temp.Sub("home");

    public string WorkingDirectory => _temp.Sub("work");

    public Dictionary<string, string> Environment { get; }

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        await using var cli = Start(args);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return Collect(cli, exit);
    }

    public CliProcess Start(params string[] args) => CliProcess.Start(WorkingDirectory, Environment, args);

    public (int Exit, string Out, string Err) Collect(CliProcess cli, int exit)
    {
        ArgumentNullException.ThrowIfNull(cli);
        lock (_outputs)
        {
            _outputs.Add(cli.Stdout);
            _outputs.Add(cli.Stderr);
        }

        return (exit, cli.Stdout, cli.Stderr);
    }

    /// <summary>No secret the server saw, nor the app password, in any output so far or in any file of the home.</summary>
    public void AssertNoSecretAnywhere(OAuthTestServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var texts = new List<string>();
        lock (_outputs)
        {
            texts.AddRange(_outputs);
        }

        texts.AddRange(Directory.EnumerateFiles(Home, "*", SearchOption.AllDirectories).Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        var all = string.Join("\n----\n", texts);
        Assert.NotEmpty(server.Secrets);
        foreach (var secret in server.Secrets.Append(AppPassword))
        {
            SecretCanary.AssertAbsent(secret, all);
        }
    }

    public void Dispose() => _temp.Dispose();
}
