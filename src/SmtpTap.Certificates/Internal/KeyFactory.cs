using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace SmtpTap.Certificates.Internal;

/// <summary>Key pairs, serial numbers and signature algorithms. EC P-256 is used for the CA and the leaves.</summary>
internal static class KeyFactory
{
    /// <summary>A P-256 key pair encoded with the named-curve OID (what TLS stacks expect).</summary>
    public static AsymmetricCipherKeyPair GenerateEcP256()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, new SecureRandom()));
        return generator.GenerateKeyPair();
    }

    /// <summary>A random positive serial of 128 bits (RFC 5280 allows up to 20 octets).</summary>
    public static BigInteger RandomSerial()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var serial = new BigInteger(1, bytes.ToArray());
            if (serial.SignValue > 0)
            {
                return serial;
            }
        }
    }

    /// <summary>SHA-256 with the signer's algorithm; a CA loaded from disk may hold an RSA key.</summary>
    public static string SignatureAlgorithmFor(AsymmetricKeyParameter signingKey) => signingKey switch
    {
        ECPrivateKeyParameters => "SHA256WITHECDSA",
        RsaKeyParameters => "SHA256WITHRSA",
        _ => throw new InvalidDataException($"Unsupported CA key type {signingKey.GetType().Name}; use an RSA or EC key."),
    };
}
