using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.IntegrationTests.Catalogue;

/// <summary>
/// Upstream certificate fixtures made at test time with <see cref="CertificateRequest"/> on the model of swaks' set:
/// a fixture root (trusted by the tap through --upstream-ca), an other root (never trusted), and leaves for every case.
/// </summary>
internal sealed class CertificateFixtures : IDisposable
{
    private static readonly Oid s_serverAuth = new("1.3.6.1.5.5.7.3.1");
    private readonly Dictionary<string, X509Certificate2> _leaves = new(StringComparer.Ordinal);

    public CertificateFixtures()
    {
        Root = CreateRoot("CN=SmtpTap Fixture Root");
        OtherRoot = CreateRoot("CN=SmtpTap Other Root");
        var now = DateTimeOffset.UtcNow;
        using var intermediate = Issue(Root, "CN=SmtpTap Fixture Intermediate", null, now.AddDays(-1), now.AddDays(30), isCa: true);
        _leaves["valid"] = Issue(Root, "CN=localhost", ["localhost"], now.AddDays(-1), now.AddDays(30));
        _leaves["expired"] = Issue(Root, "CN=localhost", ["localhost"], now.AddDays(-30), now.AddDays(-1));
        _leaves["not-yet-valid"] = Issue(Root, "CN=localhost", ["localhost"], now.AddDays(1), now.AddDays(30));
        _leaves["wrong-host"] = Issue(Root, "CN=mail.other.example", ["mail.other.example"], now.AddDays(-1), now.AddDays(30));
        _leaves["self-signed"] = SelfSignedLeaf("localhost");
        _leaves["untrusted-root"] = Issue(OtherRoot, "CN=localhost", ["localhost"], now.AddDays(-1), now.AddDays(30));
        _leaves["missing-intermediate"] = Issue(intermediate, "CN=localhost", ["localhost"], now.AddDays(-1), now.AddDays(30));
        _leaves["cn-only"] = Issue(Root, "CN=localhost", null, now.AddDays(-1), now.AddDays(30));
        _leaves["wildcard-bare-domain"] = Issue(Root, "CN=*.localhost", ["*.localhost"], now.AddDays(-1), now.AddDays(30));
        _leaves["wildcard-not-leftmost"] = Issue(Root, "CN=mail.*.localhost", ["mail.*.localhost"], now.AddDays(-1), now.AddDays(30));
    }

    public X509Certificate2 Root { get; }

    public X509Certificate2 OtherRoot { get; }

    public IServerCertificateSource Source(string name) => new FixedSource(_leaves[name]);

    public void Dispose()
    {
        foreach (var leaf in _leaves.Values)
        {
            leaf.Dispose();
        }

        Root.Dispose();
        OtherRoot.Dispose();
    }

    private static X509Certificate2 CreateRoot(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, string[]? dnsNames, DateTimeOffset notBefore, DateTimeOffset notAfter, bool isCa = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        if (isCa)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        }
        else
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([s_serverAuth], false));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (dnsNames is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        var issuerEnd = issuer.NotAfter.ToUniversalTime();
        var end = notAfter < issuerEnd ? notAfter : issuerEnd;
        var begin = notBefore > issuer.NotBefore.ToUniversalTime() ? notBefore : issuer.NotBefore.ToUniversalTime();
        using var certificate = request.Create(issuer, begin, end, serial);
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    private static X509Certificate2 SelfSignedLeaf(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([s_serverAuth], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private sealed class FixedSource(X509Certificate2 certificate) : IServerCertificateSource
    {
        public X509Certificate2 GetCertificate(string? serverName) => certificate;
    }
}
