using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates.Internal;

namespace SmtpTap.Certificates;

/// <summary>
/// Mints one leaf certificate per SNI name, signed by the local CA, and keeps it in memory and under
/// <c>&lt;ca dir&gt;/leaf/</c> (PEM pair, key mode 0600) until 7 days before it expires. Leaves found on
/// disk are reused only if the current CA signed them and they cover the requested name. Safe to call
/// from many TLS handshakes at once.
/// </summary>
public sealed class LeafCertificateCache : IServerCertificateSource, IDisposable
{
    /// <summary>Upper bound on distinct names per process, so clients cycling SNI values cannot fill memory and disk.</summary>
    internal const int MaxCachedNames = 1024;

    private static readonly ServerName[] s_loopbackNames =
        [ServerName.Parse("localhost"), ServerName.Parse("127.0.0.1"), ServerName.Parse("::1")];

    private readonly CertificateAuthority _ca;
    private readonly ServerName _defaultName;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, X509Certificate2> _certificates = new(StringComparer.Ordinal);
    private readonly Lock _issueLock = new();
    private volatile bool _disposed;

    /// <param name="ca">The CA that signs the leaves; its folder holds the <c>leaf/</c> cache.</param>
    /// <param name="defaultHostName">Name used when the client sends no SNI (or an unusable one).</param>
    /// <param name="time">Clock for validity and renewal; <see cref="TimeProvider.System"/> by default.</param>
    /// <exception cref="ArgumentException"><paramref name="defaultHostName"/> is not a DNS name or IP literal.</exception>
    public LeafCertificateCache(CertificateAuthority ca, string defaultHostName, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        _ca = ca;
        _defaultName = ServerName.Parse(defaultHostName);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The leaf for <paramref name="serverName"/> (the SNI value). Null, empty or invalid names (path
    /// tricks, over-long or non-DNS text) get the default host name's certificate, so such a client
    /// sees an ordinary name mismatch instead of a broken handshake.
    /// </summary>
    public X509Certificate2 GetCertificate(string? serverName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var name = ServerName.TryParse(serverName, out var parsed) ? parsed : _defaultName;
        var names = NamesFor(name);
        var key = names[0].FileStem;

        if (_certificates.TryGetValue(key, out var cached) && IsFresh(cached))
        {
            return cached;
        }

        if (!_certificates.ContainsKey(key) && _certificates.Count >= MaxCachedNames && name != _defaultName)
        {
            return GetCertificate(null);
        }

        lock (_issueLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_certificates.TryGetValue(key, out cached) && IsFresh(cached))
            {
                return cached;
            }

            // A replaced certificate is not disposed: a handshake may still be using it.
            var certificate = LoadFromDisk(key, names) ?? IssueAndStore(key, names);
            _certificates[key] = certificate;
            return certificate;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_issueLock)
        {
            _disposed = true;
            foreach (var certificate in _certificates.Values)
            {
                certificate.Dispose();
            }

            _certificates.Clear();
        }
    }

    internal string CertificatePathFor(string fileStem) => SafePath(fileStem + ".crt.pem");

    internal string KeyPathFor(string fileStem) => SafePath(fileStem + ".key.pem");

    /// <summary>localhost, 127.0.0.1 and ::1 share one leaf that names all three, so either form verifies.</summary>
    private static IReadOnlyList<ServerName> NamesFor(ServerName name) =>
        s_loopbackNames.Contains(name) ? s_loopbackNames : [name];

    private bool IsFresh(X509Certificate2 certificate) =>
        _time.GetUtcNow() < new DateTimeOffset(certificate.NotAfter) - CertificateProfile.LeafRenewBefore;

    private X509Certificate2? LoadFromDisk(string fileStem, IReadOnlyList<ServerName> names)
    {
        var certPath = CertificatePathFor(fileStem);
        var keyPath = KeyPathFor(fileStem);
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            return null;
        }

        X509Certificate2? certificate = null;
        try
        {
            if (!_ca.Signed(PemCodec.ReadCertificate(certPath)))
            {
                return null; // issued by an earlier CA: mint a new one
            }

            certificate = ServerCertificateLoader.FromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
            var now = _time.GetUtcNow();
            if (IsFresh(certificate) && now >= new DateTimeOffset(certificate.NotBefore) && Covers(certificate, names))
            {
                return certificate;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or CryptographicException)
        {
            // Unreadable, damaged or mismatched files are replaced below by a fresh leaf.
        }

        certificate?.Dispose();
        return null;
    }

    private X509Certificate2 IssueAndStore(string fileStem, IReadOnlyList<ServerName> names)
    {
        var leaf = _ca.IssueLeaf(names);
        try
        {
            SecureFile.WriteSecret(KeyPathFor(fileStem), leaf.PrivateKeyPem, overwrite: true);
            SecureFile.WritePublic(CertificatePathFor(fileStem), leaf.CertificatePem, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The disk copy only saves work at the next start; a read-only folder must not stop TLS.
        }

        return ServerCertificateLoader.FromPem(leaf.CertificatePem, leaf.PrivateKeyPem);
    }

    private static bool Covers(X509Certificate2 certificate, IReadOnlyList<ServerName> names)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return false;
        }

        var dns = san.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ips = san.EnumerateIPAddresses().ToHashSet();
        return names.All(n => n.Address is null ? dns.Contains(n.Value) : ips.Contains(n.Address));
    }

    private string SafePath(string fileName)
    {
        var directory = Path.GetFullPath(_ca.LeafDirectory) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(directory, fileName));
        // ServerName already limits stems to [a-z0-9.-_]; this is the second lock on the door.
        if (!path.StartsWith(directory, StringComparison.Ordinal) || Path.GetDirectoryName(path) + Path.DirectorySeparatorChar != directory)
        {
            throw new InvalidOperationException($"Refusing leaf file name '{ServerName.Printable(fileName)}'.");
        }

        return path;
    }
}
