using System.Text.Json;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;
using SmtpTap.IntegrationTests.Capture;
using SmtpTap.IntegrationTests.Support;
using SmtpTap.Tests.Support;

namespace SmtpTap.IntegrationTests.Probe;

/// <summary><c>smtptap probe</c> against the built-in capture server (STARTTLS and implicit TLS, a temp CA).</summary>
public sealed class ProbeCaptureTests : IDisposable
{
    private const string User = "alice@example.test";
    private readonly TempDirectory _temp = new();
    private readonly CertificateAuthority _ca;
    private readonly LeafCertificateCache _leaves;

    public ProbeCaptureTests()
    {
        _ca = CertificateAuthority.LoadOrCreate(_temp.Sub("certs"));
        _leaves = new LeafCertificateCache(_ca, "localhost");
    }

    public void Dispose()
    {
        _leaves.Dispose();
        _ca.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AuthAndMessage_WithCa_ExitsZeroAndShowsQueueId(bool implicitTls)
    {
        var secret = "Probe-" + Guid.NewGuid().ToString("N")[..12];
        await using var server = await StartAsync(implicitTls, secret);
        var url = $"{(implicitTls ? "smtps" : "smtp")}://localhost:{server.Port}";

        var (exit, output, error) = await ProbeCli.RunAsync(Env(secret), null, url, "--ca", _ca.CertificatePath, "--user", User, "--password-env", "PROBE_PW", "--from", "alice@example.test", "--to", "bob@example.test", "--subject", "probe test", "--body", ".leading dot\nsecond line", "--timeout", "10");

        Assert.True(exit == 0, output + error);
        Assert.Equal(string.Empty, error);
        var message = await server.SingleMessageAsync();
        Assert.Contains("message accepted, queue id " + QueueIdOf(output), output, StringComparison.Ordinal);
        Assert.Contains("OK    auth", output, StringComparison.Ordinal);
        Assert.Contains("OK    certificate trusted (--ca), host name matches", output, StringComparison.Ordinal);
        Assert.Contains(implicitTls ? "(implicit TLS)" : "(STARTTLS)", output, StringComparison.Ordinal);
        Assert.Contains("server>client", output, StringComparison.Ordinal);
        Assert.Contains("client>server AUTH CRAM-MD5", output, StringComparison.Ordinal);
        Assert.Equal("bob@example.test", Assert.Single(message.Recipients));
        SecretCanary.AssertAbsent(secret, output + error);
    }

    [Fact]
    public async Task WrongPassword_WithCredentialsChecked_ExitsSixAndExplains535()
    {
        await using var server = await StartAsync(false, "the-right-one");

        var (exit, output, error) = await ProbeCli.RunAsync(Env("Wrong-" + Guid.NewGuid().ToString("N")[..8]), null, $"smtp://localhost:{server.Port}", "--ca", _ca.CertificatePath, "--user", User, "--password-env", "PROBE_PW", "--auth", "PLAIN", "--timeout", "10");

        Assert.Equal(6, exit);
        Assert.Contains("AUTH failed: 535 5.7.8 — the server rejected the user name or password", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  auth", output, StringComparison.Ordinal);
        Assert.Contains("535", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntrustedCertificate_WithoutCa_ExitsFiveAndDescribesTheChain()
    {
        await using var server = await StartAsync(false, null);

        var (exit, output, _) = await ProbeCli.RunAsync($"smtp://localhost:{server.Port}", "--timeout", "10");

        Assert.Equal(5, exit);
        Assert.Contains("FAIL  certificate not trusted", output, StringComparison.Ordinal);
        Assert.Contains("certificate 0: CN=localhost", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntrustedCertificate_Insecure_GoesOnButStillExitsFive()
    {
        await using var server = await StartAsync(false, null);

        var (exit, output, _) = await ProbeCli.RunAsync($"smtp://localhost:{server.Port}", "--insecure", "--timeout", "10");

        Assert.Equal(5, exit);
        Assert.Contains("went on because of --insecure", output, StringComparison.Ordinal);
        Assert.Contains("capabilities after TLS", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    [InlineData("CRAM-MD5")]
    public async Task Canary_TextAndJson_NeverShowThePassword(string mechanism)
    {
        var secret = "Cn4ry-" + mechanism.Replace("-", string.Empty, StringComparison.Ordinal) + "-" + Guid.NewGuid().ToString("N")[..16];
        await using var server = await StartAsync(false, secret);
        string[] args = [$"smtp://localhost:{server.Port}", "--ca", _ca.CertificatePath, "--user", User, "--password-stdin", "--auth", mechanism, "--timeout", "10"];

        var text = await ProbeCli.RunAsync(null, secret + "\n", args);
        var json = await ProbeCli.RunAsync(null, secret + "\n", [.. args, "--json"]);

        Assert.True(text.Exit == 0, text.Output + text.Error);
        Assert.Equal(0, json.Exit);
        SecretCanary.AssertAbsent(secret, text.Output + text.Error);
        SecretCanary.AssertAbsent(secret, json.Output + json.Error);
        using var document = JsonDocument.Parse(json.Output);
        Assert.True(document.RootElement.GetProperty("auth").GetProperty("success").GetBoolean());
        Assert.Equal(mechanism, document.RootElement.GetProperty("auth").GetProperty("mechanism").GetString());
    }

    [Fact]
    public async Task Canary_WrongPasswordAndXOAuth2_NeverShowTheSecret()
    {
        var secret = "Cn4ry-XOAUTH2-" + Guid.NewGuid().ToString("N")[..16];
        await using var server = await StartAsync(false, "a-different-token");

        var text = await ProbeCli.RunAsync(new Dictionary<string, string> { ["TOKEN"] = secret }, null, $"smtp://localhost:{server.Port}", "--ca", _ca.CertificatePath, "--user", User, "--token-env", "TOKEN", "--timeout", "10");
        var json = await ProbeCli.RunAsync(new Dictionary<string, string> { ["TOKEN"] = secret }, null, $"smtp://localhost:{server.Port}", "--ca", _ca.CertificatePath, "--user", User, "--token-env", "TOKEN", "--timeout", "10", "--json");

        Assert.Equal(6, text.Exit);
        Assert.Equal(6, json.Exit);
        SecretCanary.AssertAbsent(secret, text.Output + text.Error);
        SecretCanary.AssertAbsent(secret, json.Output + json.Error);
    }

    [Fact]
    public async Task Json_HasEveryFinding()
    {
        var secret = "Probe-" + Guid.NewGuid().ToString("N")[..12];
        await using var server = await StartAsync(false, secret);

        var (exit, output, _) = await ProbeCli.RunAsync(Env(secret), null, $"smtp://localhost:{server.Port}", "--ca", _ca.CertificatePath, "--user", User, "--password-env", "PROBE_PW", "--from", "sender@example.test", "--to", "bob@example.test", "--json", "--mask-usernames", "--timeout", "10");

        Assert.Equal(0, exit);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.StartsWith("220 ", root.GetProperty("banner").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("capabilitiesBeforeTls").EnumerateArray(), c => c.GetString() == "STARTTLS");
        Assert.True(root.GetProperty("capabilitiesAfterTls").GetArrayLength() > 0);
        var tls = root.GetProperty("tls");
        Assert.True(tls.GetProperty("chainValid").GetBoolean());
        Assert.True(tls.GetProperty("hostnameMatch").GetBoolean());
        Assert.False(tls.GetProperty("expiresSoon").GetBoolean());
        Assert.True(tls.GetProperty("daysLeft").GetInt32() > 30);
        Assert.True(tls.GetProperty("chain").GetArrayLength() >= 1);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("auth").GetProperty("user").ValueKind);
        Assert.DoesNotContain(User, output, StringComparison.Ordinal);
        var message = root.GetProperty("message");
        Assert.True(message.GetProperty("accepted").GetBoolean());
        Assert.False(string.IsNullOrEmpty(message.GetProperty("queueId").GetString()));
        Assert.Equal("AcceptedWithAuth", message.GetProperty("relayVerdict").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task NoAuth_OutsideRecipientAccepted_FailsTheRelayTestWithExitEight()
    {
        await using var server = await StartAsync(false, null);

        var (exit, output, _) = await ProbeCli.RunAsync($"smtp://localhost:{server.Port}", "--ca", _ca.CertificatePath, "--from", "a@example.test", "--to", "someone@elsewhere.example", "--timeout", "10");

        Assert.Equal(8, exit);
        Assert.Contains("FAIL  relay       OPEN RELAY: the server accepted a recipient in an outside domain without authentication (relay test failed)", output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Env(string secret) => new() { ["PROBE_PW"] = secret };

    private static string QueueIdOf(string output)
    {
        const string marker = "queued as ";
        var start = output.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, output);
        var end = output.IndexOfAny(['\r', '\n', ' '], start + marker.Length);
        return output[(start + marker.Length)..end];
    }

    private Task<CaptureTestServer> StartAsync(bool implicitTls, string? secret) =>
        CaptureTestServer.StartAsync(o => o with
        {
            Certificates = _leaves,
            ImplicitTls = implicitTls,
            Credentials = secret is null ? null : new Dictionary<string, string> { [User] = secret },
        });
}
