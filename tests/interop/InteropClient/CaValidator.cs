using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.InteropClient;

/// <summary>
/// Accepts a server certificate only if it chains to the given CA (and nothing else) and the host name
/// (or IP address) matches, the way a client configured to trust the tap's CA would.
/// </summary>
internal sealed class CaValidator : IDisposable
{
    private readonly X509Certificate2 _ca;

    public CaValidator(string caFile)
    {
        _ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
    }

    public string? LastError { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            LastError = "the server sent no certificate";
            return false;
        }

        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            LastError = $"certificate rejected: {errors}";
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (custom.Build(leaf))
        {
            return true;
        }

        LastError = "certificate does not chain to " + _ca.Subject + ": " +
            string.Join("; ", custom.ChainStatus.Select(s => s.StatusInformation.Trim()));
        return false;
    }

    public void Dispose() => _ca.Dispose();
}
