using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.ProxyProtocol;
using SmtpTap.IntegrationTests.Catalogue;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Hosting;

/// <summary>
/// Listeners behind a load balancer (issue 15, point 6): raw sockets on 127.0.0.1 write the PROXY header the way
/// HAProxy does; the tap must run the session as the client the header names, and refuse (close, no greeting)
/// untrusted peers and connections without a valid header.
/// </summary>
public sealed class ProxyProtocolTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private static Func<TapOptions, TapOptions> Proxied(ProxyProtocolVersion version, Func<TapLimits, TapLimits>? limits = null, TrustedProxies? trusted = null) =>
        o => ScaledLimits.With(limits ?? (l => l))(o) with
        {
            Listeners = [o.Listeners[0] with { ProxyProtocol = version }],
            TrustedProxies = trusted ?? TrustedProxies.Loopback,
        };

    private static byte[] V1(string source, int sourcePort, int port) =>
        Encoding.ASCII.GetBytes($"PROXY TCP4 {source} 127.0.0.1 {sourcePort} {port}\r\n");

    private static byte[] V2(IPEndPoint source, int port, int command = 1)
    {
        var v4 = source.AddressFamily == AddressFamily.InterNetwork;
        var size = v4 ? 4 : 16;
        var header = new byte[16 + (2 * size) + 4];
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        signature.CopyTo(header, 0);
        header[12] = (byte)(0x20 | command);
        header[13] = v4 ? (byte)0x11 : (byte)0x21;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)((2 * size) + 4));
        source.Address.GetAddressBytes().CopyTo(header, 16);
        (v4 ? IPAddress.Loopback : IPAddress.IPv6Loopback).GetAddressBytes().CopyTo(header, 16 + size);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16 + (2 * size)), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18 + (2 * size)), (ushort)port);
        return header;
    }

    /// <summary>Connects, writes the header, expects the greeting.</summary>
    private static async Task<RawSmtpClient> ConnectProxiedAsync(int port, byte[] header, int expect = 220)
    {
        var client = await RawSmtpClient.ConnectAsync(port);
        await client.SendAsync(header);
        await client.ExpectAsync(expect);
        return client;
    }

    /// <summary>Connects, writes <paramref name="bytes"/>, and returns what the tap sent before it closed (refused: nothing).</summary>
    private static async Task<byte[]> SendAndReadUntilClosedAsync(int port, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(s_wait);
        if (bytes.Length > 0)
        {
            await socket.SendAsync(bytes, SocketFlags.None).WaitAsync(s_wait);
        }

        var received = new List<byte>();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(s_wait);
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
            // A reset: the tap closed with our bytes unread.
        }

        return [.. received];
    }

    private static async Task QuitAsync(RawSmtpClient client)
    {
        await client.SendAsync("EHLO proxied.example\r\n");
        await client.ExpectAsync(250);
        await client.SendAsync("QUIT\r\n");
        await client.ExpectAsync(221);
    }

    [Fact]
    public async Task V1_TranscriptShowsTheRealClientAndNotesTheProxy()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V1));
        await using (var client = await ConnectProxiedAsync(harness.Port, V1("203.0.113.7", 41000, harness.Port)))
        {
            await QuitAsync(client);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains($"Client 203.0.113.7:41000 connected to smtp://127.0.0.1:{harness.Port}?proxy-protocol=v1 through proxy 127.0.0.1:", transcript, StringComparison.Ordinal);
        Assert.Contains("(PROXY v1, destination 127.0.0.1:" + harness.Port + ")", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_Ipv6Client_TranscriptShowsTheRealClient()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2));
        await using (var client = await ConnectProxiedAsync(harness.Port, V2(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1025), harness.Port)))
        {
            await QuitAsync(client);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("Client [2001:db8::7]:1025 connected to", transcript, StringComparison.Ordinal);
        Assert.Contains("through proxy 127.0.0.1:", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_BeforeImplicitTls_MessageRelayed()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Implicit, LegMode.Plain, Proxied(ProxyProtocolVersion.V2));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, harness.Port).WaitAsync(s_wait);
        await socket.SendAsync(V2(new IPEndPoint(IPAddress.Parse("198.51.100.20"), 50000), harness.Port));
        using (var smtp = new SmtpClient { Timeout = 30_000, ServerCertificateValidationCallback = harness.ValidateWithTapCa })
        {
            await smtp.ConnectAsync(socket, "localhost", harness.Port, SecureSocketOptions.SslOnConnect).WaitAsync(s_wait);
            await smtp.SendAsync(TestMessages.Simple("proxied-implicit"));
            await smtp.DisconnectAsync(true);
        }

        var message = Assert.Single(await harness.Capture.WaitForMessagesAsync(1, CancellationToken.None).WaitAsync(s_wait));
        Assert.Contains("proxied-implicit", Encoding.UTF8.GetString(message.Content ?? File.ReadAllBytes(message.FilePath!)), StringComparison.Ordinal);
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("Client 198.51.100.20:50000 connected to smtps://", transcript, StringComparison.Ordinal);
        Assert.Contains("TLS established with client (implicit)", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_Local_TheProxysOwnConnection_RunsAsTheProxy()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2));
        var local = V2(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 41000), harness.Port, command: 0);
        await using (var client = await ConnectProxiedAsync(harness.Port, local))
        {
            await QuitAsync(client);
        }

        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("connected to smtp://127.0.0.1:" + harness.Port + "?proxy-protocol=v2: the proxy itself (PROXY v2 LOCAL: no client address given)", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.7", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2_Local_ResetAtOnce_LikeAHealthCheck_SessionClosedWithoutAnError()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2));
        var check = await RawSmtpClient.ConnectAsync(harness.Port);
        await check.SendAsync(V2(new IPEndPoint(IPAddress.Loopback, 1), harness.Port, command: 0));
        check.Reset();
        await check.DisposeAsync();
        var transcript = await harness.WaitForTranscriptAsync("Session closed");
        Assert.Contains("PROXY v2 LOCAL", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("failed unexpectedly", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingHeader_ClosedWithoutGreeting_AfterTheTimeout_WithTheReasonLogged()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2, l => l with { ProxyHeaderTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Empty(await SendAndReadUntilClosedAsync(harness.Port, []));
        var transcript = await harness.WaitForTranscriptAsync("without a greeting: no complete PROXY header within 0.3 s");
        Assert.Contains("Refused 127.0.0.1:", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("connected to", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmtpInsteadOfHeader_ClosedWithoutGreeting()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2));
        Assert.Empty(await SendAndReadUntilClosedAsync(harness.Port, "EHLO direct.example\r\n"u8.ToArray()));
        await harness.WaitForTranscriptAsync("without a greeting: no PROXY v2 header: the connection began with \"EHLO direct.exam\"");
        Assert.DoesNotContain("connected to", harness.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntrustedSource_ValidHeader_ClosedWithoutGreeting()
    {
        var elsewhere = new TrustedProxies([IPNetwork.Parse("127.0.0.2/32"), IPNetwork.Parse("192.0.2.0/24")]);
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2, trusted: elsewhere));
        var forged = V2(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 41000), harness.Port);
        Assert.Empty(await SendAndReadUntilClosedAsync(harness.Port, forged));
        var transcript = await harness.WaitForTranscriptAsync("127.0.0.1 is not a trusted proxy (--trusted-proxy: 127.0.0.2/32, 192.0.2.0/24)");
        Assert.DoesNotContain("203.0.113.7", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("connected to", transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerAddressCap_CountsTheRealClientAddress_NotTheProxys()
    {
        await using var harness = await TapHarness.StartAsync(LegMode.Plain, LegMode.Plain, Proxied(ProxyProtocolVersion.V2, l => l with { MaxSessionsPerAddress = 1 }));
        var client = IPAddress.Parse("203.0.113.7");
        await using var first = await ConnectProxiedAsync(harness.Port, V2(new IPEndPoint(client, 1001), harness.Port));
        await using (var second = await ConnectProxiedAsync(harness.Port, V2(new IPEndPoint(client, 1002), harness.Port), expect: 421))
        {
        }

        await using var other = await ConnectProxiedAsync(harness.Port, V2(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 1003), harness.Port));
        var transcript = await harness.WaitForTranscriptAsync("Per-address session limit 1 reached; refusing 203.0.113.7:1002 (through proxy 127.0.0.1:");
        Assert.Contains("Client 198.51.100.9:1003 connected", transcript, StringComparison.Ordinal);

        await QuitAsync(first);
        await Eventually.HoldsAsync(() => harness.Tap.ActiveSessions == 1, "the first session is released");
        await using var again = await ConnectProxiedAsync(harness.Port, V2(new IPEndPoint(client, 1004), harness.Port));
    }
}
