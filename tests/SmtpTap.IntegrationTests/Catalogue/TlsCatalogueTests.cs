using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;
using SmtpTap.Core.Hosting;
using SmtpTap.IntegrationTests.Support;
using Xunit.Abstractions;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>Catalogue part E (TLS failures): both legs fail closed; no plaintext fallback; the tap's CA hides no upstream problem.</summary>
public sealed class TlsCatalogueTests(ITestOutputHelper output)
{
    private static ScriptedServer ImplicitTlsUpstream(IServerCertificateSource source, Action<bool>? handshake = null) => new(async c =>
    {
        try
        {
            await c.StartTlsAsServerAsync(source);
        }
        catch (AuthenticationException)
        {
            handshake?.Invoke(false);
            return;
        }

        handshake?.Invoke(true);
        await c.SendAsync("220 fixture.test ESMTP\r\n");
        while (await c.ReadLineAsync() is { } line)
        {
            await c.SendAsync(line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase) ? ScriptedConnection.EhloReply("PIPELINING") : line.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase) ? "221 bye\r\n" : "250 ok\r\n");
        }
    });

    [Fact]
    public async Task E32_ClientDoesNotTrustTheTapsCa_HandshakeRefused_NothingRelayed_SessionReleased()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.GreetAndEhloAsync("PIPELINING", "AUTH PLAIN");
            await ScriptedFaults.DrainUntilClosedAsync(c);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, client: LegMode.StartTls, configure: ScaledLimits.With(l => l));
        await using (var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port))
        {
            await raw.SendAsync("STARTTLS\r\n");
            await raw.ExpectAsync(220);

            // Default validation: the system store does not hold the tap's CA.
            await Assert.ThrowsAsync<AuthenticationException>(() => raw.StartTlsAsync((_, _, _, errors) => errors == SslPolicyErrors.None));
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed (ClientTlsFailed)");
        output.WriteLine(transcript);
        Assert.Contains("client rejected certificate?", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("AUTH", StringComparison.Ordinal) || l.StartsWith("MAIL", StringComparison.Ordinal));
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 0, "the refused session is released", TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("not-yet-valid")]
    [InlineData("wrong-host")]
    [InlineData("self-signed")]
    [InlineData("untrusted-root")]
    [InlineData("missing-intermediate")]
    [InlineData("cn-only")]
    [InlineData("wildcard-bare-domain")]
    [InlineData("wildcard-not-leftmost")]
    public async Task E33_UpstreamCertificateMatrix_Refused421_NoPlaintextFallback(string fixture)
    {
        using var fixtures = new CertificateFixtures();
        var relayed = false;
        await using var server = ImplicitTlsUpstream(fixtures.Source(fixture), ok => relayed |= ok);
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.Implicit, configure: o => ScaledLimits.With(l => l)(o) with { UpstreamTrustedCas = [fixtures.Root] });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var reply = await raw.ExpectAsync(421);
        output.WriteLine(reply.FirstLine);
        output.WriteLine(harness.Transcript);
        Assert.StartsWith("4.7.0", reply.FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
        Assert.Empty(server.ReceivedSnapshot());
        Assert.Contains("SHA-256", harness.Transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("valid", "localhost")]
    public async Task E33_UpstreamCertificatePositiveControls_Accepted(string fixture, string host)
    {
        using var fixtures = new CertificateFixtures();
        await using var server = ImplicitTlsUpstream(fixtures.Source(fixture));
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.Implicit, configure: o => ScaledLimits.With(l => l)(o) with
        {
            UpstreamTrustedCas = [fixtures.Root],
            Upstream = new UpstreamEndpoint(UpstreamKind.Smtps, host, server.Port),
        });
        await using var raw = await RawSmtpClient.ConnectAndEhloAsync(harness.Port);
        Assert.Contains("verified (--upstream-ca, host name matches)", harness.Transcript, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rst-mid-handshake")]
    [InlineData("alert")]
    [InlineData("tls11-only")]
    public async Task E34_UpstreamTlsUnavailableOrTooOld_FailsClosed421(string variant)
    {
        using var fixtures = new CertificateFixtures();
        await using var server = new ScriptedServer(async c =>
        {
            switch (variant)
            {
                case "rst-mid-handshake":
                    await c.ReadLineAsync().WaitAsync(TimeSpan.FromMilliseconds(300)).ContinueWith(_ => { }, TaskScheduler.Default);
                    c.Abort();
                    return;
                case "alert":
                    await Task.Delay(100);
                    await c.SendRawAsync([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
                    await ScriptedFaults.DrainUntilClosedAsync(c);
                    return;
                default:
                    try
                    {
#pragma warning disable SYSLIB0039 // the point of the case: an upstream that only speaks TLS 1.1
                        await c.StartTlsAsServerAsync(fixtures.Source("valid"), SslProtocols.Tls11);
#pragma warning restore SYSLIB0039
                    }
                    catch (Exception ex) when (ex is AuthenticationException or IOException or PlatformNotSupportedException)
                    {
                        return;
                    }

                    await c.SendAsync("220 old.test ESMTP\r\n");
                    await ScriptedFaults.DrainUntilClosedAsync(c);
                    return;
            }
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.Implicit, configure: o => ScaledLimits.With(l => l with { TlsHandshakeTimeout = TimeSpan.FromSeconds(2) })(o) with { UpstreamTrustedCas = [fixtures.Root] });
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var reply = await raw.ExpectAsync(421);
        output.WriteLine(reply.FirstLine);
        Assert.True(await raw.ClosedAsync());
        Assert.DoesNotContain(server.ReceivedSnapshot(), l => l.StartsWith("EHLO", StringComparison.Ordinal));
    }

    [Fact]
    public async Task E35a_ImplicitTlsConfiguredAgainstPlaintextServer_421ModeMismatch()
    {
        await using var server = new ScriptedServer(async c =>
        {
            await c.SendAsync("220 plain.test ESMTP\r\n");
            await ScriptedFaults.DrainUntilClosedAsync(c);
        });
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.Implicit, configure: ScaledLimits.With(l => l with { TlsHandshakeTimeout = TimeSpan.FromSeconds(2) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var reply = await raw.ExpectAsync(421);
        output.WriteLine(reply.FirstLine);
        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task E35b_StartTlsConfiguredAgainstServerWaitingForClientHello_421AtGreetingTimeout()
    {
        await using var server = new ScriptedServer(c => Task.Delay(Timeout.Infinite, c.Token));
        await using var harness = await TapHarness.StartScriptedAsync(server, upstream: LegMode.StartTls, configure: ScaledLimits.With(l => l with { ServerReplyTimeout = TimeSpan.FromMilliseconds(500) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        var reply = await raw.ExpectAsync(421);
        Assert.Contains("timed out", reply.FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
    }

    [Fact]
    public async Task E35c_ClientHelloToPlaintextListener_421AtCommandDeadline()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, ScaledLimits.With(l => l with { CommandDeadline = TimeSpan.FromMilliseconds(600) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.ExpectAsync(220);
        var hello = new byte[64];
        new Random(35).NextBytes(hello);
        hello[0] = 0x16;
        hello[1] = 0x03;
        hello[2] = 0x01;
        for (var i = 3; i < hello.Length; i++)
        {
            hello[i] = hello[i] is 0x0d or 0x0a ? (byte)0x41 : hello[i];
        }

        await raw.SendAsync(hello);
        var reply = await raw.ExpectAsync(421);
        Assert.StartsWith("4.4.2", reply.FirstLine, StringComparison.Ordinal);
        Assert.True(await raw.ClosedAsync());
        Assert.Empty(harness.Capture.Messages);
    }

    [Fact]
    public async Task E35d_PlaintextEhloToImplicitTlsListener_ClosedAsHandshakeFailure()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Implicit, LegMode.Plain, ScaledLimits.With(l => l with { TlsHandshakeTimeout = TimeSpan.FromSeconds(2) }));
        await using var raw = await RawSmtpClient.ConnectAsync(harness.Port);
        await raw.SendAsync("EHLO plaintext\r\n");
        Assert.True(await raw.ClosedAsync());
        var transcript = await harness.WaitForTranscriptAsync("Session closed (ClientTlsFailed)");
        Assert.Contains("TLS handshake with the client failed", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task E36_ClientSni_LeafIssuedForTheSniName_UpstreamVerifiedAgainstConfiguredHost()
    {
        var upstreamSni = new System.Collections.Concurrent.ConcurrentBag<string?>();
        await using var harness = await TapHarness.StartAsync(LegMode.Implicit, LegMode.Implicit, captureFactory: (leaves, dir) => new CaptureServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Certificates = new RecordingSource(leaves, upstreamSni),
            ImplicitTls = true,
            CaptureDirectory = dir,
        });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, harness.Port);
        X509Certificate2? presented = null;
        await using (var ssl = new SslStream(tcp.GetStream()))
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "attacker.example",
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (s, c, ch, e) =>
                {
                    presented = X509CertificateLoader.LoadCertificate(c!.GetRawCertData());
                    return harness.ValidateWithTapCa(s, c, ch, e);
                },
            });
            Assert.True(ssl.SslProtocol >= SslProtocols.Tls12);
            var buffer = new byte[512];
            var n = await ssl.ReadAsync(buffer);
            Assert.StartsWith("220", System.Text.Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
        }

        Assert.NotNull(presented);
        using (presented)
        {
            var san = presented.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Contains("attacker.example", san.EnumerateDnsNames());
            var eku = presented.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
            Assert.Contains(eku.EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
            Assert.True(presented.NotAfter - presented.NotBefore <= TimeSpan.FromDays(400), "leaves are short-lived");
            Assert.DoesNotContain(presented.Extensions.OfType<X509BasicConstraintsExtension>(), b => b.CertificateAuthority);
        }

        Assert.All(upstreamSni, name => Assert.Equal("localhost", name));
        Assert.NotEmpty(upstreamSni);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(harness.Authority.KeyPath));
        }
    }

    private sealed class RecordingSource(IServerCertificateSource inner, System.Collections.Concurrent.ConcurrentBag<string?> names) : IServerCertificateSource
    {
        public X509Certificate2 GetCertificate(string? serverName)
        {
            names.Add(serverName);
            return inner.GetCertificate(serverName);
        }
    }
}
