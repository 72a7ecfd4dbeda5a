using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Certificates;

/// <summary>Human-readable summary of a certificate, one fact per line, for the CLI and logs.</summary>
public static class CertificateDescription
{
    /// <summary>
    /// Subject, issuer, serial, validity (with days left), SHA-256 fingerprint (<c>AA:BB:..</c>),
    /// subject alternative names and key algorithm with size.
    /// </summary>
    public static IReadOnlyList<string> Describe(X509Certificate2 cert)
    {
        ArgumentNullException.ThrowIfNull(cert);
        var notBefore = cert.NotBefore.ToUniversalTime();
        var notAfter = cert.NotAfter.ToUniversalTime();
        return
        [
            $"Subject:     {cert.Subject}",
            $"Issuer:      {cert.Issuer}",
            $"Serial:      {cert.SerialNumber}",
            $"Not before:  {Format(notBefore)}",
            $"Not after:   {Format(notAfter)} ({Remaining(notAfter, DateTime.UtcNow)})",
            $"SHA-256:     {Fingerprint(cert)}",
            $"SANs:        {AlternativeNames(cert)}",
            $"Key:         {KeyDescription(cert)}",
        ];
    }

    internal static string Fingerprint(X509Certificate2 cert) =>
        string.Join(':', cert.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));

    private static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Remaining(DateTime notAfter, DateTime now)
    {
        var days = (int)Math.Floor((notAfter - now).TotalDays);
        return days switch
        {
            >= 0 => $"{days} days left",
            _ => $"EXPIRED {-days} days ago",
        };
    }

    private static string AlternativeNames(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return "(none)";
        }

        var names = san.EnumerateDnsNames().Select(n => "DNS:" + n)
            .Concat(san.EnumerateIPAddresses().Select(ip => "IP:" + ip))
            .ToList();
        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    private static string KeyDescription(X509Certificate2 cert)
    {
        using (var rsa = cert.GetRSAPublicKey())
        {
            if (rsa is not null)
            {
                return $"RSA {rsa.KeySize} bits";
            }
        }

        using (var ec = cert.GetECDsaPublicKey())
        {
            if (ec is not null)
            {
                var curve = ec.KeySize switch
                {
                    256 => "P-256",
                    384 => "P-384",
                    521 => "P-521",
                    _ => "curve",
                };
                return $"EC {curve} ({ec.KeySize} bits)";
            }
        }

        return cert.PublicKey.Oid.FriendlyName ?? cert.PublicKey.Oid.Value ?? "unknown";
    }
}
