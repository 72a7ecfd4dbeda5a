using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace SmtpTap.Certificates.Internal;

/// <summary>PEM text to and from BouncyCastle certificates and keys.</summary>
internal static class PemCodec
{
    public static string EncodeCertificate(X509Certificate certificate) =>
        PemEncoding.WriteString("CERTIFICATE", certificate.GetEncoded()) + "\n";

    /// <summary>Unencrypted PKCS#8 (<c>BEGIN PRIVATE KEY</c>), which OpenSSL, .NET and Java all read.</summary>
    public static string EncodePrivateKey(AsymmetricKeyParameter privateKey) =>
        PemEncoding.WriteString("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded()) + "\n";

    /// <summary>Reads the first certificate of a PEM file; later ones (a chain) are ignored.</summary>
    public static X509Certificate ReadCertificate(string path)
    {
        var text = File.ReadAllText(path);
        foreach (var block in ReadObjects(text, path))
        {
            if (block is X509Certificate certificate)
            {
                return certificate;
            }
        }

        throw new InvalidDataException($"{path} holds no PEM certificate (expected '-----BEGIN CERTIFICATE-----').");
    }

    /// <summary>Reads a PEM private key: PKCS#8, PKCS#1 RSA or SEC1 EC. Encrypted keys are refused with a hint.</summary>
    public static AsymmetricKeyParameter ReadPrivateKey(string path)
    {
        var text = File.ReadAllText(path);
        if (text.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{path} holds an encrypted private key; decrypt it first (openssl pkey -in {path} -out key.pem).");
        }

        foreach (var block in ReadObjects(text, path))
        {
            switch (block)
            {
                case AsymmetricCipherKeyPair pair:
                    return pair.Private;
                case AsymmetricKeyParameter { IsPrivate: true } key:
                    return key;
            }
        }

        throw new InvalidDataException($"{path} holds no PEM private key (expected '-----BEGIN PRIVATE KEY-----').");
    }

    private static IEnumerable<object> ReadObjects(string text, string path)
    {
        using var reader = new PemReader(new StringReader(text));
        while (true)
        {
            object? next;
            try
            {
                next = reader.ReadObject();
            }
            catch (Exception ex) when (ex is IOException or PemException or ArgumentException or InvalidCastException or FormatException)
            {
                throw new InvalidDataException($"{path} is not valid PEM: {ex.Message}", ex);
            }

            if (next is null)
            {
                yield break;
            }

            yield return next;
        }
    }
}
