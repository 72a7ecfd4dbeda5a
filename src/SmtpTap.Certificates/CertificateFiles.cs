using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates.Internal;

namespace SmtpTap.Certificates;

/// <summary>Loads server certificates a user brings (PEM pair or PFX) and exports public certificates.</summary>
public static class CertificateFiles
{
    /// <summary>
    /// Loads a PEM certificate (the first one; a chain after it is ignored) and its PEM private key
    /// (RSA or EC, PKCS#1, SEC1 or PKCS#8, unencrypted). The result carries the key and works as an
    /// <c>SslStream</c> server certificate.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not the expected PEM, or the key does not belong to the certificate.</exception>
    public static X509Certificate2 LoadPemPair(string certPath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(certPath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        var certificatePem = ReadText(certPath, "certificate");
        var keyPem = ReadText(keyPath, "private key");
        if (!certificatePem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{certPath} holds no PEM certificate (expected '-----BEGIN CERTIFICATE-----').");
        }

        if (keyPem.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{keyPath} holds an encrypted private key; decrypt it first (openssl pkey -in {keyPath} -out key.pem).");
        }

        try
        {
            return ServerCertificateLoader.FromPem(certificatePem, keyPem);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException(
                $"Cannot use {certPath} with {keyPath}: {ex.Message.TrimEnd('.')} (is it the matching RSA/EC key?).", ex);
        }
    }

    /// <summary>Loads a PKCS#12 file that must contain a certificate with its private key.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">Wrong password, not PKCS#12, or no private key inside.</exception>
    public static X509Certificate2 LoadPfx(string path, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"PFX file {path} not found.", path);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.DefaultKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"Cannot read {path} as PKCS#12 (wrong password?): {ex.Message}", ex);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidDataException($"{path} holds no private key; a server certificate needs one.");
        }

        return certificate;
    }

    /// <summary>Writes the public certificate only (never a key) as PEM or DER; the folder is created if needed.</summary>
    public static void Export(X509Certificate2 cert, string path, CertificateExportFormat format)
    {
        ArgumentNullException.ThrowIfNull(cert);
        ArgumentException.ThrowIfNullOrEmpty(path);
        switch (format)
        {
            case CertificateExportFormat.Pem:
                SecureFile.WritePublic(path, cert.ExportCertificatePem() + "\n", overwrite: true);
                break;
            case CertificateExportFormat.Der:
                SecureFile.WritePublic(path, cert.RawData, overwrite: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Use Pem or Der.");
        }
    }

    private static string ReadText(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The {what} file {path} was not found.", path);
        }

        return File.ReadAllText(path);
    }
}
