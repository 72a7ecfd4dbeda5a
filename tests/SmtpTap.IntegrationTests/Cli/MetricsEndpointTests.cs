using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary><c>smtptap proxy --metrics 127.0.0.1:0</c>: /healthz and Prometheus /metrics from the real process.</summary>
public sealed partial class MetricsEndpointTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task HealthzOk_AndMetricsCountTheSessionTheMessageAndTheBytes()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--metrics", "127.0.0.1:0");
        var port = await tap.WaitForListenPortAsync();
        var baseUrl = await MetricsUrlAsync(tap);
        var health = await s_http.GetAsync(new Uri(baseUrl, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"status\":\"ok\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using (var client = await RawSmtpClient.ConnectAndEhloAsync(port))
        {
            await client.SendAsync("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
            await client.ExpectAsync(250);
            await client.ExpectAsync(250);
            await client.ExpectAsync(354);
            await client.SendAsync("Subject: counted\r\n\r\nhi\r\n.\r\nQUIT\r\n");
            await client.ExpectAsync(250);
            await client.ExpectAsync(221);
        }

        string metrics = string.Empty;
        await Eventually.HoldsAsync(
            () =>
            {
                metrics = s_http.GetStringAsync(new Uri(baseUrl, "/metrics")).GetAwaiter().GetResult();
                return metrics.Contains("smtptap_sessions{", StringComparison.Ordinal);
            },
            "the session counted in /metrics");
        Assert.Matches(@"smtptap_messages\{verdict=""accepted""\} 1", metrics);
        Assert.Matches(@"smtptap_sessions\{[^}]*outcome=""Quit""[^}]*\} 1", metrics);
        Assert.Matches(@"smtptap_tls_handshakes\{leg=""upstream"",result=""ok""\} 1", metrics);
        Assert.Matches(@"smtptap_bytes\{direction=""to_server""\} [1-9]", metrics);
        Assert.Contains("smtptap_upstream_reply_duration_count", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz503_WhenTheUpstreamIsUnreachable()
    {
        using var temp = new TempDirectory();
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var deadPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--upstream", $"smtp://127.0.0.1:{deadPort}", "--metrics", "127.0.0.1:0");
        await tap.WaitForListenPortAsync();
        var health = await s_http.GetAsync(new Uri(await MetricsUrlAsync(tap), "/healthz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("unreachable", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadMetricsAddress_OneLineExit2()
    {
        using var temp = new TempDirectory();
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--cert-dir", temp.Sub("certs"), "--metrics", "localhost:9025");
        Assert.Equal(2, await tap.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--metrics must be HOST:PORT with an IP address", tap.Stderr, StringComparison.Ordinal);
    }

    private static async Task<Uri> MetricsUrlAsync(CliProcess tap)
    {
        Match match = Match.Empty;
        await Eventually.HoldsAsync(() => (match = HealthUrl().Match(tap.Stdout)).Success, "the metrics URL in the banner");
        return new Uri(match.Groups[1].Value);
    }

    [GeneratedRegex(@"Health on (http://127\.0\.0\.1:\d+)/healthz")]
    private static partial Regex HealthUrl();
}
