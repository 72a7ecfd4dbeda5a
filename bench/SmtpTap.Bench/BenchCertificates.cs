using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;

namespace SmtpTap.Bench;

/// <summary>
/// A throw-away CA in a temp folder: the sink presents a leaf from it, the tap trusts it for the upstream
/// leg (--upstream-ca) and issues its client-leg leaves from it, and the load client trusts only it.
/// </summary>
internal sealed class BenchCertificates : IDisposable
{
    private readonly LeafCertificateCache _leaves;

    public BenchCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "smtptap-bench-" + Environment.ProcessId);
        System.IO.Directory.CreateDirectory(Directory);
        Authority = CertificateAuthority.LoadOrCreate(Path.Combine(Directory, "certs"));
        _leaves = new LeafCertificateCache(Authority, "localhost");
        SinkCertificate = SslStreamCertificateContext.Create(_leaves.GetCertificate("localhost"), additionalCertificates: null, offline: true);
    }

    /// <summary>Temp folder for the CA and transcripts; deleted on dispose.</summary>
    public string Directory { get; }

    public string CertDirectory => Path.Combine(Directory, "certs");

    public CertificateAuthority Authority { get; }

    public SslStreamCertificateContext SinkCertificate { get; }

    /// <summary>Client options that trust the bench CA alone, with the normal host name check.</summary>
    public SslClientAuthenticationOptions ClientOptions()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(Authority.Certificate);
        return new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            CertificateChainPolicy = policy,
        };
    }

    public void Dispose()
    {
        _leaves.Dispose();
        Authority.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
