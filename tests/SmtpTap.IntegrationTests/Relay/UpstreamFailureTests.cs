using System.Net;
using System.Net.Sockets;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;
using SmtpTap.Core.Hosting;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Relay;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task UpstreamUnreachable_ClientGets421AndTranscriptSaysWhy()
    {
        var deadPort = FreePort();
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls, o => o with { Upstream = new UpstreamEndpoint(UpstreamKind.Smtp, "127.0.0.1", deadPort) });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var greeting = await raw.ExpectAsync(421);
        Assert.Contains("unreachable", greeting.FirstLine, StringComparison.Ordinal);
        Assert.Contains("connection refused", greeting.FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
        Assert.Contains("Upstream failed: upstream smtp://127.0.0.1:" + deadPort + " unreachable: connection refused", harness.Transcript, StringComparison.Ordinal);
        await harness.WaitForTranscriptAsync("Session closed (UpstreamFailed)");
    }

    [Theory]
    [InlineData(LegMode.StartTls)]
    [InlineData(LegMode.Implicit)]
    public async Task UpstreamCertificateFromUnknownCa_Refused(LegMode upstream)
    {
        using var otherCaDir = new TempDirectory();
        using var otherCa = CertificateAuthority.LoadOrCreate(otherCaDir.Path);
        using var otherLeaves = new LeafCertificateCache(otherCa, "localhost");
        var capture = new CaptureServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Certificates = otherLeaves, ImplicitTls = upstream == LegMode.Implicit };
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, upstream, capture: capture);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var greeting = await raw.ExpectAsync(421);
        Assert.Contains("certificate", greeting.FirstLine, StringComparison.Ordinal);
        Assert.Contains("not trusted", harness.Transcript, StringComparison.Ordinal);
        Assert.Empty(harness.Capture.Messages);
    }

    [Fact]
    public async Task UpstreamCertificateFromUnknownCa_AcceptedWithInsecureAndTranscriptSaysSo()
    {
        using var otherCaDir = new TempDirectory();
        using var otherCa = CertificateAuthority.LoadOrCreate(otherCaDir.Path);
        using var otherLeaves = new LeafCertificateCache(otherCa, "localhost");
        var capture = new CaptureServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Certificates = otherLeaves };
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls, o => o with { UpstreamInsecure = true }, capture);
        using (var smtp = await harness.ConnectClientAsync())
        {
            await smtp.SendAsync(TestMessages.Simple("insecure"));
            await smtp.DisconnectAsync(true);
        }

        Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("NOT VERIFIED (--upstream-insecure)", harness.Transcript, StringComparison.Ordinal);
        Assert.Contains("the upstream certificate is NOT checked", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamTlsRequired_ServerWithoutStartTls_Fails421WithReason()
    {
        var capture = new CaptureServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls, o => o with { UpstreamTls = UpstreamTlsPolicy.Required }, capture);
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var greeting = await raw.ExpectAsync(421);
        Assert.Contains("does not offer STARTTLS", greeting.FirstLine, StringComparison.Ordinal);
        Assert.Contains("--upstream-tls is required", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamTlsAuto_ServerWithoutStartTls_RelaysPlainAndWarns()
    {
        var capture = new CaptureServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.StartTls, o => o with { UpstreamTls = UpstreamTlsPolicy.Auto }, capture);
        using (var smtp = await harness.ConnectClientAsync())
        {
            await smtp.SendAsync(TestMessages.Simple("auto-plain"));
            await smtp.DisconnectAsync(true);
        }

        Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Upstream leg stays PLAINTEXT", harness.Transcript, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
