using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.Tests.Certificates;

/// <summary>A real TLS handshake on 127.0.0.1: server picks its certificate by SNI, client trusts only one CA.</summary>
internal static class LoopbackTls
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    /// <summary>Returns the certificate the client accepted and the SNI name the server saw.</summary>
    public static async Task<(X509Certificate2 Presented, string ServerSawName)> HandshakeAsync(
        IServerCertificateSource source, string targetHost, X509Certificate2 trustedCa)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = ServeOnceAsync(listener, source);
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(s_timeout);
                await using var tls = new SslStream(tcp.GetStream());
                var policy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                };
                policy.CustomTrustStore.Add(trustedCa);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = targetHost,
                    CertificateChainPolicy = policy,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                }).WaitAsync(s_timeout);

                var buffer = new byte[1];
                await tls.ReadExactlyAsync(buffer).AsTask().WaitAsync(s_timeout);
                var presented = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
                var sawName = await server.WaitAsync(s_timeout);
                return (presented, sawName);
            }
            catch
            {
                // The client failed; let the server side finish (it fails too) so nothing is left running.
                await Task.WhenAny(server, Task.Delay(s_timeout));
                throw;
            }
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<string> ServeOnceAsync(TcpListener listener, IServerCertificateSource source)
    {
        using var tcp = await listener.AcceptTcpClientAsync().WaitAsync(s_timeout);
        await using var tls = new SslStream(tcp.GetStream());
        string? sni = null;
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateSelectionCallback = (_, name) =>
            {
                sni = name;
                return source.GetCertificate(name);
            },
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        }).WaitAsync(s_timeout);
        await tls.WriteAsync(new byte[] { 42 }).AsTask().WaitAsync(s_timeout);
        await tls.FlushAsync().WaitAsync(s_timeout);
        return sni ?? "";
    }
}
