using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Certificates.Internal;

/// <summary>
/// Turns a PEM certificate and key into an <see cref="X509Certificate2"/> that <c>SslStream</c> can serve.
/// The key from <c>CreateFromPem</c> is ephemeral, which SChannel refuses, so the pair goes through
/// PKCS#12 once and is loaded back with <see cref="X509CertificateLoader"/> (no PersistKeySet: nothing
/// is left in a key store).
/// </summary>
internal static class ServerCertificateLoader
{
    /// <exception cref="InvalidDataException">Unreadable PEM, unsupported key, or a key of another certificate.</exception>
    public static X509Certificate2 FromPem(string certificatePem, string privateKeyPem)
    {
        X509Certificate2 ephemeral;
        try
        {
            ephemeral = X509Certificate2.CreateFromPem(certificatePem, privateKeyPem);
        }
        catch (ArgumentException ex)
        {
            // CreateFromPem reports "key does not match the certificate" as an ArgumentException.
            throw new InvalidDataException(ex.Message.Replace(" (Parameter 'privateKey')", "", StringComparison.Ordinal), ex);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }

        using (ephemeral)
        {
            return ReimportWithKey(ephemeral);
        }
    }

    public static X509Certificate2 ReimportWithKey(X509Certificate2 certificate)
    {
        var pkcs12 = certificate.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pkcs12, password: null, X509KeyStorageFlags.DefaultKeySet);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs12);
        }
    }
}
