using SmtpTap.Commands;
using SmtpTap.Probe;

namespace SmtpTap.Tests.Probe;

public sealed class ProbeOptionsBuilderTests
{
    [Theory]
    [InlineData("smtp://mail.example.com", "mail.example.com", 25, false)]
    [InlineData("smtp://mail.example.com:587", "mail.example.com", 587, false)]
    [InlineData("smtps://mail.example.com", "mail.example.com", 465, true)]
    [InlineData("smtp://[::1]:2525", "::1", 2525, false)]
    public void Url_DefaultsPortsAndTlsMode(string url, string host, int port, bool implicitTls)
    {
        var options = Build(url);

        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
        Assert.Equal(implicitTls, options.ImplicitTls);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Timeout);
        Assert.Null(options.Credentials);
        Assert.Null(options.Message);
    }

    [Theory]
    [InlineData("unknown scheme", "http://x")]
    [InlineData("contradict", "smtp://x", "--no-starttls", "--require-tls")]
    [InlineData("smtp:// only", "smtps://x", "--no-starttls")]
    [InlineData("--timeout", "smtp://x", "--timeout", "0")]
    [InlineData("need --user", "smtp://x", "--password-env", "PW")]
    [InlineData("need --user", "smtp://x", "--auth", "PLAIN")]
    [InlineData("PW_UNSET is not set", "smtp://x", "--user", "u", "--password-env", "PW_UNSET")]
    [InlineData("cannot prompt", "smtp://x", "--user", "u")]
    [InlineData("the probe speaks", "smtp://x", "--user", "u", "--auth", "NTLM", "--password-env", "PW")]
    [InlineData("goes with --auth XOAUTH2", "smtp://x", "--user", "u", "--auth", "PLAIN", "--token-env", "PW")]
    [InlineData("takes an access token", "smtp://x", "--user", "u", "--auth", "XOAUTH2", "--password-env", "PW")]
    [InlineData("one way only", "smtp://x", "--user", "u", "--password-env", "PW", "--password-stdin")]
    [InlineData("both --from and", "smtp://x", "--from", "a@b.test")]
    [InlineData("both --from and", "smtp://x", "--to", "a@b.test")]
    [InlineData("need --from and --to", "smtp://x", "--subject", "s")]
    [InlineData("not both", "smtp://x", "--from", "a@b.test", "--to", "c@d.test", "--body", "x", "--body-file", "f")]
    [InlineData("not a mail address", "smtp://x", "--from", "a@b.test", "--to", "nobody")]
    [InlineData("file not found", "smtp://x", "--ca", "/nonexistent/ca.pem")]
    public void Invalid_ThrowsOneLineUserError(string expected, params string[] args)
    {
        var ex = Assert.Throws<UserInputException>(() => Build(args));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void PasswordEnv_ReadsTheVariable()
    {
        var options = Build(Input(env: new() { ["PW"] = "s3cret" }), "smtp://x", "--user", "u", "--password-env", "PW");

        Assert.Equal("s3cret", options.Credentials!.Secret.Reveal());
        Assert.Null(options.Credentials.Mechanism);
    }

    [Fact]
    public void PasswordStdin_ReadsTheFirstLine()
    {
        var options = Build(Input(stdin: "from-stdin\r"), "smtp://x", "--user", "u", "--password-stdin", "--auth", "login");

        Assert.Equal("from-stdin", options.Credentials!.Secret.Reveal());
        Assert.Equal("LOGIN", options.Credentials.Mechanism);
    }

    [Fact]
    public void TokenEnv_ImpliesXOAuth2()
    {
        var options = Build(Input(env: new() { ["TOK"] = "ya29.token" }), "smtp://x", "--user", "u", "--token-env", "TOK");

        Assert.Equal("XOAUTH2", options.Credentials!.Mechanism);
    }

    [Fact]
    public void Terminal_PromptsWithoutEcho()
    {
        string? prompt = null;
        var input = Input() with { CanPrompt = true, PromptWithoutEcho = p => { prompt = p; return "typed"; } };

        var options = Build(input, "smtp://x", "--user", "bob");

        Assert.Equal("Password for bob: ", prompt);
        Assert.Equal("typed", options.Credentials!.Secret.Reveal());
    }

    [Fact]
    public void Message_CollectsRecipientsAndBody()
    {
        var options = Build("smtp://x", "--from", "a@b.test", "--to", "c@d.test", "--to", "e@f.test", "--subject", "S", "--body", "B");

        Assert.Equal(["c@d.test", "e@f.test"], options.Message!.To);
        Assert.Equal("S", options.Message.Subject);
        Assert.Equal("B", options.Message.Body);
    }

    [Fact]
    public void Ehlo_DefaultIsOneWord()
    {
        var options = Build("smtp://x");

        Assert.Matches("^[a-z0-9.-]+$", options.EhloName);
    }

    private static ProbeInput Input(Dictionary<string, string>? env = null, string? stdin = null) => new()
    {
        GetEnvironment = n => env is not null && env.TryGetValue(n, out var v) ? v : null,
        ReadStandardInputLine = () => stdin,
        CanPrompt = false,
        PromptWithoutEcho = _ => throw new InvalidOperationException("no prompt"),
    };

    private static ProbeOptions Build(params string[] args) => Build(Input(), args);

    private static ProbeOptions Build(ProbeInput input, params string[] args)
    {
        var result = ProbeCommand.Create(input).Parse(args);
        Assert.Empty(result.Errors);
        return ProbeOptionsBuilder.Build(result, input);
    }
}
