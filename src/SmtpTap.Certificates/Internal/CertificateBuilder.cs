using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace SmtpTap.Certificates.Internal;

/// <summary>Builds the CA and leaf certificates with BouncyCastle, following <see cref="CertificateProfile"/>.</summary>
internal static class CertificateBuilder
{
    public static X509Certificate BuildCa(AsymmetricCipherKeyPair keyPair, string hostName, DateTimeOffset now)
    {
        var name = Name($"SmtpTap Local CA ({hostName})");
        var notBefore = Truncate(now - CertificateProfile.Backdate);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(KeyFactory.RandomSerial());
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notBefore.AddYears(CertificateProfile.CaValidityYears).UtcDateTime);
        generator.SetPublicKey(keyPair.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            X509ExtensionUtilities.CreateSubjectKeyIdentifier(keyPair.Public));
        return generator.Generate(SignatureFactory(keyPair.Private));
    }

    public static X509Certificate BuildLeaf(
        X509Certificate ca,
        AsymmetricKeyParameter caKey,
        AsymmetricKeyParameter leafPublicKey,
        IReadOnlyList<ServerName> names,
        DateTimeOffset now)
    {
        var notBefore = Truncate(now - CertificateProfile.Backdate);
        var notAfter = notBefore + CertificateProfile.LeafValidity;
        var caNotAfter = new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > caNotAfter)
        {
            notAfter = caNotAfter;
        }

        var first = names[0].Value;
        var subject = first.Length <= CertificateProfile.MaxCommonNameLength
            ? Name(first)
            : new X509Name([X509Name.O], [CertificateProfile.Organization]);

        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(KeyFactory.RandomSerial());
        generator.SetIssuerDN(ca.SubjectDN);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore.UtcDateTime);
        generator.SetNotAfter(notAfter.UtcDateTime);
        generator.SetPublicKey(leafPublicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        var usage = leafPublicKey is RsaKeyParameters
            ? KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment
            : KeyUsage.DigitalSignature;
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(usage));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, AlternativeNames(names));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            X509ExtensionUtilities.CreateSubjectKeyIdentifier(leafPublicKey));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, AuthorityKeyIdentifierFor(ca));
        return generator.Generate(SignatureFactory(caKey));
    }

    private static AuthorityKeyIdentifier AuthorityKeyIdentifierFor(X509Certificate ca)
    {
        // Reuse the CA's own SKI bytes when it has one, so AKI and SKI match exactly (a CA brought by
        // the user may compute its SKI differently from us).
        var ski = ca.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
        return ski is null
            ? X509ExtensionUtilities.CreateAuthorityKeyIdentifier(ca.GetPublicKey())
            : new AuthorityKeyIdentifier(SubjectKeyIdentifier.GetInstance(Asn1Object.FromByteArray(ski.GetOctets())).GetKeyIdentifier());
    }

    private static GeneralNames AlternativeNames(IReadOnlyList<ServerName> names) =>
        new([.. names.Select(n => n.Address is null
            ? new GeneralName(GeneralName.DnsName, n.Value)
            : new GeneralName(new DerOctetString(n.Address.GetAddressBytes()), GeneralName.IPAddress))]);

    /// <summary>Encoded O then CN, which .NET and OpenSSL display as "CN=..., O=SmtpTap".</summary>
    private static X509Name Name(string commonName) =>
        new([X509Name.O, X509Name.CN], [CertificateProfile.Organization, commonName]);

    private static Asn1SignatureFactory SignatureFactory(AsymmetricKeyParameter key) =>
        new(KeyFactory.SignatureAlgorithmFor(key), key, new SecureRandom());

    private static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
