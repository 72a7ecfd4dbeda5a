using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Probe;

/// <summary>
/// The probe's certificate check, run inside the TLS handshake: records the chain the server presented,
/// the host name match and the chain verdict (system store, or --ca as an extra trusted root), then
/// accepts only a good certificate, or any with --insecure. <see cref="Report"/> holds what it saw even
/// when the handshake is then refused.
/// </summary>
internal sealed class CertificateInspector(IReadOnlyList<X509Certificate2> extraCas, bool insecure, TimeProvider time, string mode)
{
    public const int ExpiryWarningDays = 30;

    public TlsReport? Report { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Report = new TlsReport { Mode = mode, ChainProblem = "the server sent no certificate", AcceptedInsecurely = insecure };
            return insecure;
        }

        var now = time.GetUtcNow();
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var nameOk = !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch);
        var chainOk = !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors);
        var elements = Describe(chain, leaf, now);
        var trustedBy = chainOk ? "system trust store" : null;
        string? problem = null;
        if (!chainOk)
        {
            if (extraCas.Count > 0 && TryCustomChain(leaf, chain, now, out var custom))
            {
                chainOk = true;
                trustedBy = "--ca";
                elements = custom;
            }
            else
            {
                problem = ChainProblem(chain);
            }
        }

        var daysLeft = DaysLeft(leaf.NotAfter, now);
        var ok = chainOk && nameOk;
        Report = new TlsReport
        {
            Mode = mode,
            Chain = elements,
            HostnameMatch = nameOk,
            ChainValid = chainOk,
            ChainProblem = problem,
            TrustedBy = trustedBy,
            DaysLeft = daysLeft,
            Expired = daysLeft < 0 || leaf.NotAfter.ToUniversalTime() < now.UtcDateTime,
            ExpiresSoon = daysLeft is >= 0 and < ExpiryWarningDays,
            AcceptedInsecurely = !ok && insecure,
        };
        return ok || insecure;
    }

    public static int DaysLeft(DateTime notAfter, DateTimeOffset now) =>
        (int)Math.Floor((notAfter.ToUniversalTime() - now.UtcDateTime).TotalDays);

    public static CertificateReport Describe(X509Certificate2 cert, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cert);
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san is null
            ? []
            : san.EnumerateDnsNames().Select(n => "DNS:" + n).Concat(san.EnumerateIPAddresses().Select(ip => "IP:" + ip)).ToArray();
        return new CertificateReport
        {
            Subject = cert.Subject,
            Sans = names,
            Issuer = cert.Issuer,
            NotBefore = new DateTimeOffset(cert.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            NotAfter = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            DaysLeft = DaysLeft(cert.NotAfter, now),
            Sha256 = string.Join(':', cert.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", CultureInfo.InvariantCulture))),
        };
    }

    private static CertificateReport[] Describe(X509Chain? chain, X509Certificate2 leaf, DateTimeOffset now)
    {
        if (chain is null || chain.ChainElements.Count == 0)
        {
            return [Describe(leaf, now)];
        }

        return chain.ChainElements.Select(e => Describe(e.Certificate, now)).ToArray();
    }

    private bool TryCustomChain(X509Certificate2 leaf, X509Chain? serverChain, DateTimeOffset now, out CertificateReport[] elements)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.VerificationTime = now.UtcDateTime;
        foreach (var ca in extraCas)
        {
            custom.ChainPolicy.CustomTrustStore.Add(ca);
        }

        if (serverChain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(serverChain.ChainPolicy.ExtraStore);
            foreach (var element in serverChain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var ok = custom.Build(leaf);
        elements = ok ? custom.ChainElements.Select(e => Describe(e.Certificate, now)).ToArray() : [];
        return ok;
    }

    private string ChainProblem(X509Chain? chain)
    {
        var hint = extraCas.Count > 0 ? "not signed by the --ca certificate either" : "add --ca FILE to trust a private CA";
        var flags = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
        var parts = new List<string>();
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            parts.Add("a certificate in the chain has expired or is not yet valid");
        }

        if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot))
        {
            parts.Add($"issued by a root that is not trusted (self-signed or a private CA; {hint})");
        }

        if (flags.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            parts.Add($"the chain does not reach a trusted root (missing intermediate certificate, or an unknown CA; {hint})");
        }

        if (flags.HasFlag(X509ChainStatusFlags.Revoked))
        {
            parts.Add("a certificate in the chain is revoked");
        }

        if (flags.HasFlag(X509ChainStatusFlags.NotSignatureValid))
        {
            parts.Add("a signature in the chain is not valid");
        }

        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
        {
            parts.Add("the certificate is not valid for a TLS server");
        }

        return parts.Count > 0 ? string.Join("; ", parts) : $"the chain is not trusted ({hint})";
    }
}
