using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;
using SmtpTap.IntegrationTests.Support;

namespace SmtpTap.IntegrationTests.Cli;

/// <summary>--cert/--key: the client leg presents the user's own certificate instead of a local-CA leaf.</summary>
public sealed class OwnCertificateTests
{
    [Fact]
    public async Task PemPair_PresentedOnImplicitTlsListener()
    {
        using var temp = new TempDirectory();
        X509Certificate2 expected;
        using (var ca = CertificateAuthority.LoadOrCreate(temp.Sub("own-ca")))
        {
            using var own = ca.IssueServerCertificate(["localhost", "127.0.0.1"]);
            File.WriteAllText(temp.Sub("server.pem"), own.ExportCertificatePem());
            using var key = own.GetECDsaPrivateKey()!;
            File.WriteAllText(temp.Sub("server.key"), key.ExportPkcs8PrivateKeyPem());
            expected = X509CertificateLoader.LoadCertificate(own.RawData);
        }

        await using var cli = CliProcess.Start(temp.Path, "proxy", "--listen", "smtps://127.0.0.1:0", "--cert", temp.Sub("server.pem"), "--key", temp.Sub("server.key"), "--cert-dir", temp.Sub("certs"));
        var port = await cli.WaitForListenPortAsync("smtps");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port).WaitAsync(TimeSpan.FromSeconds(30));
        await using var ssl = new SslStream(tcp.GetStream());
        X509Certificate? presented = null;
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                presented = cert;
                return cert is not null && cert.GetCertHashString() == expected.GetCertHashString();
            },
        }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(expected.Thumbprint, presented!.GetCertHashString());
        var buffer = new byte[512];
        var n = await ssl.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("220 ", System.Text.Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
        expected.Dispose();
    }
}
