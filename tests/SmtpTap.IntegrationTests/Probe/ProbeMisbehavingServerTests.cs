using System.Net;
using System.Net.Sockets;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Probe;

/// <summary>Each exit code against a small scripted server on 127.0.0.1 port 0 (or no server at all).</summary>
public sealed class ProbeMisbehavingServerTests
{
    [Fact]
    public async Task RefusedPort_ExitsThree()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exit, output, error) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{port}", "--timeout", "5");

        Assert.Equal(3, exit);
        Assert.Contains($"connection refused by 127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("FAIL  connect", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsFailure_ExitsThree()
    {
        var (exit, _, error) = await ProbeCli.RunAsync("smtp://nonexistent.invalid", "--timeout", "10");

        Assert.Equal(3, exit);
        Assert.Contains("DNS lookup failed for nonexistent.invalid", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DropAfterBanner_ExitsThree()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 scripted.test ESMTP\r\n");
            await c.ExpectAsync("EHLO");
            c.Abort();
        });

        var (exit, _, error) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{server.Port}", "--timeout", "5");

        Assert.Equal(3, exit);
        Assert.Contains("the server closed the connection after EHLO", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentServer_TimesOutWaitingForTheBanner()
    {
        await using var server = new ScriptedServer(async c => await c.ReadLineAsync());

        var (exit, _, error) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{server.Port}", "--timeout", "1");

        Assert.Equal(3, exit);
        Assert.Contains("timed out after 1s waiting for the banner", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartTlsRefused_RequireTls_ExitsFour()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("STARTTLS", "AUTH PLAIN");
            await c.ExpectAsync("STARTTLS");
            await c.SendAsync("454 4.7.0 TLS not available due to local problem\r\n");
            await c.ReadLineAsync();
        });

        var (exit, output, error) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{server.Port}", "--require-tls", "--timeout", "5");

        Assert.Equal(4, exit);
        Assert.Contains("the server offers STARTTLS but refused it: 454 4.7.0", error, StringComparison.Ordinal);
        Assert.Contains("FAIL  tls", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoStartTls_RequireTls_ExitsFourWithoutSendingMore()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("AUTH PLAIN LOGIN");
            await c.ReadLineAsync();
        });

        var (exit, _, error) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{server.Port}", "--require-tls", "--timeout", "5");

        Assert.Equal(4, exit);
        Assert.Contains("does not offer STARTTLS", error, StringComparison.Ordinal);
        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("AUTH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RcptUnableToRelay_RelayTestPassesWithExitZero()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("8BITMIME");
            await c.ExpectAsync("MAIL FROM:<probe@example.test>");
            await c.SendAsync("250 2.1.0 Sender OK\r\n");
            await c.ExpectAsync("RCPT TO:<someone@elsewhere.example>");
            await c.SendAsync("550 5.7.1 Unable to relay\r\n");
            while (await c.ReadLineAsync() is { } line)
            {
                await c.SendAsync(line.StartsWith("QUIT", StringComparison.Ordinal) ? "221 2.0.0 Bye\r\n" : "250 2.0.0 OK\r\n");
            }
        });

        var (exit, output, error) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{server.Port}", "--from", "probe@example.test", "--to", "someone@elsewhere.example", "--timeout", "5");

        Assert.Equal(0, exit);
        Assert.Contains("OK    relay       the server does NOT relay for this sender/recipient without authentication (relay test passed): 550 5.7.1 Unable to relay", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);
        Assert.Contains("WARN  tls", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataIsDotStuffedAndQueueIdParsed()
    {
        List<string>? body = null;
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("8BITMIME");
            await c.ExpectAsync("MAIL FROM:");
            await c.SendAsync("250 OK\r\n");
            await c.ExpectAsync("RCPT TO:");
            await c.SendAsync("250 Accepted\r\n");
            await c.ExpectAsync("DATA");
            await c.SendAsync("354 Enter message, ending with \".\" on a line by itself\r\n");
            body = await c.ReadDataAsync();
            await c.SendAsync("250 OK id=1uABCD-000123-XY\r\n");
            await c.ExpectAsync("QUIT");
            await c.SendAsync("221 bye\r\n");
        });

        var (exit, output, _) = await ProbeCli.RunAsync($"smtp://127.0.0.1:{server.Port}", "--from", "a@scripted.test", "--to", "b@scripted.test", "--body", "one\n.two\r\n..three\n", "--timeout", "5");

        Assert.Equal(0, exit);
        Assert.Contains("queue id 1uABCD-000123-XY", output, StringComparison.Ordinal);
        Assert.NotNull(body);
        Assert.Equal(["one", "..two", "...three"], body![^3..]);
        Assert.Contains(body, l => l.StartsWith("Message-ID: <", StringComparison.Ordinal));
        Assert.Contains(body, l => l.StartsWith("Date: ", StringComparison.Ordinal));
        Assert.Contains("OK    relay       the server accepts these recipients without authentication", output, StringComparison.Ordinal);
    }
}
