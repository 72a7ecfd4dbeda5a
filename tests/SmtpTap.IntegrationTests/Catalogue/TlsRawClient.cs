using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>A byte-level client on an implicit-TLS listener: can send close_notify and then raw plaintext on the same socket.</summary>
internal sealed class TlsRawClient : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly SslStream _ssl;
    private readonly StringBuilder _pending = new();

    private TlsRawClient(TcpClient tcp, SslStream ssl)
    {
        _tcp = tcp;
        _ssl = ssl;
    }

    public static async Task<TlsRawClient> ConnectAsync(Support.TapHarness harness, string host = "localhost")
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, harness.Port).WaitAsync(s_timeout);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = harness.ValidateWithTapCa,
        }).WaitAsync(s_timeout);
        return new TlsRawClient(tcp, ssl);
    }

    public SslStream Stream => _ssl;

    public async Task SendAsync(string text)
    {
        await _ssl.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask().WaitAsync(s_timeout);
        await _ssl.FlushAsync().WaitAsync(s_timeout);
    }

    /// <summary>Reads reply lines until one starts with <paramref name="prefix"/>; returns everything read.</summary>
    public async Task<string> ReadLinesUntilAsync(string prefix)
    {
        using var cts = new CancellationTokenSource(s_timeout);
        var buffer = new byte[4096];
        while (true)
        {
            var text = _pending.ToString();
            foreach (var line in text.Split("\r\n"))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    _pending.Clear();
                    return text;
                }
            }

            var n = await _ssl.ReadAsync(buffer, cts.Token);
            if (n == 0)
            {
                throw new IOException($"closed before '{prefix}': {text}");
            }

            _pending.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    /// <summary>Sends TLS close_notify, then writes plaintext on the raw socket (the Exim CVE-2026-45185 pattern), then closes.</summary>
    public async Task CloseNotifyThenPlaintextAsync(string plaintext)
    {
        await _ssl.ShutdownAsync().WaitAsync(s_timeout);
        try
        {
            await _tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(plaintext)).AsTask().WaitAsync(s_timeout);
        }
        catch (IOException)
        {
        }

        await Task.Delay(100);
        _tcp.Client.Shutdown(SocketShutdown.Send);
    }

    public async ValueTask DisposeAsync()
    {
        await _ssl.DisposeAsync();
        _tcp.Dispose();
    }
}
