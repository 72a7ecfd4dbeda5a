using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace SmtpTap.Certificates.Internal;

/// <summary>Checks that a private key belongs to a certificate by signing a probe and verifying it.</summary>
internal static class KeyPairCheck
{
    private static readonly byte[] s_probe = "SmtpTap key pair check"u8.ToArray();

    public static bool Matches(X509Certificate certificate, AsymmetricKeyParameter privateKey)
    {
        try
        {
            var algorithm = KeyFactory.SignatureAlgorithmFor(privateKey);
            var signer = SignerUtilities.GetSigner(algorithm);
            signer.Init(true, new Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom(privateKey, new SecureRandom()));
            signer.BlockUpdate(s_probe, 0, s_probe.Length);
            var signature = signer.GenerateSignature();

            var verifier = SignerUtilities.GetSigner(algorithm);
            verifier.Init(false, certificate.GetPublicKey());
            verifier.BlockUpdate(s_probe, 0, s_probe.Length);
            return verifier.VerifySignature(signature);
        }
        catch (Exception ex) when (ex is InvalidKeyException or ArgumentException or InvalidCastException or InvalidDataException)
        {
            return false;
        }
    }
}
