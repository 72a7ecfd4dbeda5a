using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using SmtpTap.Certificates.Internal;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmtpTap.Certificates;

/// <summary>
/// SmtpTap's local certificate authority: <c>ca.crt.pem</c> and <c>ca.key.pem</c> (mode 0600) in one folder.
/// It signs the leaf certificates the proxy presents to mail clients. Key: EC P-256; a CA brought by
/// the user may also be RSA.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly TimeSpan s_concurrentCreateWait = TimeSpan.FromSeconds(5);

    private readonly BcCertificate _caCertificate;
    private readonly AsymmetricKeyParameter _caKey;
    private readonly TimeProvider _time;

    private CertificateAuthority(string directory, BcCertificate caCertificate, AsymmetricKeyParameter caKey, TimeProvider time)
    {
        Directory = directory;
        _caCertificate = caCertificate;
        _caKey = caKey;
        _time = time;
        Certificate = X509CertificateLoader.LoadCertificate(caCertificate.GetEncoded());
    }

    /// <summary>Full path of the folder holding the CA files.</summary>
    public string Directory { get; }

    /// <summary>Full path of <c>ca.crt.pem</c>, the file users import into their trust store.</summary>
    public string CertificatePath => Path.Combine(Directory, CertificateProfile.CaCertificateFileName);

    internal string KeyPath => Path.Combine(Directory, CertificateProfile.CaKeyFileName);

    internal string LeafDirectory => Path.Combine(Directory, CertificateProfile.LeafDirectoryName);

    /// <summary>The CA certificate, public part only (no private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True when both <c>ca.crt.pem</c> and <c>ca.key.pem</c> are present in <paramref name="directory"/>.</summary>
    public static bool Exists(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return File.Exists(Path.Combine(directory, CertificateProfile.CaCertificateFileName))
            && File.Exists(Path.Combine(directory, CertificateProfile.CaKeyFileName));
    }

    /// <summary>
    /// Reads only the CA certificate (<c>ca.crt.pem</c>) of <paramref name="directory"/>, never its key: what
    /// showing or exporting the CA needs, so it works without read access to <c>ca.key.pem</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no <c>ca.crt.pem</c>.</exception>
    /// <exception cref="InvalidDataException">The file is not a CA certificate.</exception>
    public static X509Certificate2 ReadCertificate(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var certPath = Path.Combine(Path.GetFullPath(directory), CertificateProfile.CaCertificateFileName);
        if (!File.Exists(certPath))
        {
            throw new FileNotFoundException($"{certPath} is missing.", certPath);
        }

        var certificate = PemCodec.ReadCertificate(certPath);
        if (certificate.GetBasicConstraints() < 0)
        {
            throw new InvalidDataException($"{certPath} is not a CA certificate (BasicConstraints cA is not set).");
        }

        return X509CertificateLoader.LoadCertificate(certificate.GetEncoded());
    }

    /// <summary>
    /// Loads the CA from <paramref name="directory"/>, or creates it there (folder included) if neither
    /// file exists. Calling it again returns the same CA.
    /// </summary>
    /// <exception cref="InvalidDataException">Only one of the two files exists, they do not match, or the CA has expired.</exception>
    public static CertificateAuthority LoadOrCreate(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        time ??= TimeProvider.System;
        var full = Path.GetFullPath(directory);
        var certPath = Path.Combine(full, CertificateProfile.CaCertificateFileName);
        var keyPath = Path.Combine(full, CertificateProfile.CaKeyFileName);

        if (!File.Exists(certPath) && !File.Exists(keyPath))
        {
            try
            {
                return Create(full, time);
            }
            catch (IOException) when (File.Exists(keyPath))
            {
                // Another process created the CA at the same moment; use theirs once it is complete.
                WaitForFile(certPath);
            }
        }

        return Load(full, time);
    }

    /// <summary>
    /// Issues a server certificate for <paramref name="names"/> (DNS names and/or IP literals; the first
    /// becomes the subject CN), signed by this CA. The result carries its private key.
    /// </summary>
    /// <exception cref="ArgumentException">No names, too many, or one is not a DNS name or IP literal.</exception>
    public X509Certificate2 IssueServerCertificate(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var parsed = names.Select(ServerName.Parse).Distinct().ToList();
        var leaf = IssueLeaf(parsed);
        return ServerCertificateLoader.FromPem(leaf.CertificatePem, leaf.PrivateKeyPem);
    }

    internal IssuedLeaf IssueLeaf(IReadOnlyList<ServerName> names)
    {
        if (names.Count == 0)
        {
            throw new ArgumentException("At least one host name or IP address is needed.", nameof(names));
        }

        if (names.Count > CertificateProfile.MaxNamesPerCertificate)
        {
            throw new ArgumentException($"At most {CertificateProfile.MaxNamesPerCertificate} names fit in one certificate.", nameof(names));
        }

        var keyPair = KeyFactory.GenerateEcP256();
        var certificate = CertificateBuilder.BuildLeaf(_caCertificate, _caKey, keyPair.Public, names, _time.GetUtcNow());
        return new IssuedLeaf(PemCodec.EncodeCertificate(certificate), PemCodec.EncodePrivateKey(keyPair.Private));
    }

    /// <summary>True if <paramref name="leaf"/> carries a valid signature of this CA.</summary>
    internal bool Signed(BcCertificate leaf)
    {
        if (!leaf.IssuerDN.Equivalent(_caCertificate.SubjectDN))
        {
            return false;
        }

        try
        {
            leaf.Verify(_caCertificate.GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.Certificates.CertificateException
            or Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException
            or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();

    private static CertificateAuthority Create(string directory, TimeProvider time)
    {
        System.IO.Directory.CreateDirectory(directory);
        var keyPair = KeyFactory.GenerateEcP256();
        var certificate = CertificateBuilder.BuildCa(keyPair, MachineName.ForSubject(), time.GetUtcNow());

        // Key first: a folder that has ca.crt.pem always has its key too (Exists checks both).
        SecureFile.WriteSecret(Path.Combine(directory, CertificateProfile.CaKeyFileName),
            PemCodec.EncodePrivateKey(keyPair.Private), overwrite: false);
        SecureFile.WritePublic(Path.Combine(directory, CertificateProfile.CaCertificateFileName),
            PemCodec.EncodeCertificate(certificate), overwrite: false);
        return new CertificateAuthority(directory, certificate, keyPair.Private, time);
    }

    private static CertificateAuthority Load(string directory, TimeProvider time)
    {
        var certPath = Path.Combine(directory, CertificateProfile.CaCertificateFileName);
        var keyPath = Path.Combine(directory, CertificateProfile.CaKeyFileName);
        if (!File.Exists(certPath))
        {
            throw new InvalidDataException(
                $"{keyPath} exists but {certPath} is missing; restore it, or delete both files to create a new CA.");
        }

        if (!File.Exists(keyPath))
        {
            throw new InvalidDataException(
                $"{certPath} exists but its key {keyPath} is missing; restore it, or delete both files to create a new CA.");
        }

        var certificate = PemCodec.ReadCertificate(certPath);
        var key = PemCodec.ReadPrivateKey(keyPath);
        if (certificate.GetBasicConstraints() < 0)
        {
            throw new InvalidDataException($"{certPath} is not a CA certificate (BasicConstraints cA is not set).");
        }

        if (!KeyPairCheck.Matches(certificate, key))
        {
            throw new InvalidDataException($"{keyPath} is not the private key of {certPath}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (certificate.NotAfter.ToUniversalTime() <= now)
        {
            throw new InvalidDataException(
                $"The CA in {certPath} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; delete ca.crt.pem and ca.key.pem to create a new one.");
        }

        return new CertificateAuthority(directory, certificate, key, time);
    }

    private static void WaitForFile(string path)
    {
        // Real time on purpose: a test TimeProvider that stands still must not turn this into a hang.
        var deadline = Environment.TickCount64 + (long)s_concurrentCreateWait.TotalMilliseconds;
        while (!File.Exists(path) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(50);
        }
    }
}
