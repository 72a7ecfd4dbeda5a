using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>
/// <c>smtptap proxy --otlp URL</c>: the transcript events reach an OTLP/HTTP logs endpoint (a stand-in collector on
/// 127.0.0.1 that records the protobuf bodies), masked like every other output.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task TranscriptEventsArriveAtTheCollector_WithoutTheAuthSecret()
    {
        using var temp = new TempDirectory();
        var port = FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var bodies = new List<byte[]>();
        var paths = new List<string>();
        var receiving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                lock (bodies)
                {
                    bodies.Add(body.ToArray());
                    paths.Add(context.Request.Url!.AbsolutePath + " " + context.Request.ContentType);
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var secret = "OtlpCanary-" + Guid.NewGuid().ToString("N")[..10];
        await using var tap = CliProcess.Start(temp.Path, "proxy", "--listen", "smtp://127.0.0.1:0", "--cert-dir", temp.Sub("certs"), "--capture-dir", temp.Sub("captured"), "--otlp", $"http://127.0.0.1:{port}/v1/logs");
        var smtpPort = await tap.WaitForListenPortAsync();
        await using (var client = await RawSmtpClient.ConnectAndEhloAsync(smtpPort))
        {
            await client.SendAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0otlp-user\0" + secret)) + "\r\n");
            await client.ExpectAsync(235);
            await client.SendAsync("QUIT\r\n");
            await client.ExpectAsync(221);
        }

        tap.Signal(CliProcess.SigTerm);
        Assert.Equal(0, await tap.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        collector.Stop();
        await receiving;

        string all;
        lock (bodies)
        {
            Assert.NotEmpty(bodies);
            Assert.All(paths, p => Assert.StartsWith("/v1/logs application/x-protobuf", p, StringComparison.Ordinal));
            all = string.Join("\n", bodies.Select(Encoding.Latin1.GetString));
        }

        Assert.Contains("Session closed", all, StringComparison.Ordinal);
        Assert.Contains("otlp-user", all, StringComparison.Ordinal);
        Assert.Contains("smtptap", all, StringComparison.Ordinal);
        SmtpTap.Tests.Support.SecretCanary.AssertAbsent(secret, all);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
