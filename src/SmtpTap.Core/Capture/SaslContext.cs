using System.Security.Cryptography;
using System.Text;

namespace SmtpTap.Core.Capture;

/// <summary>What SASL exchanges need from the server: the credential table, the host name and a random source.</summary>
internal sealed class SaslContext
{
    private readonly IReadOnlyDictionary<string, string>? _credentials;
    private readonly Action<Span<byte>> _fillRandom;

    public SaslContext(IReadOnlyDictionary<string, string>? credentials, string hostName, TimeProvider timeProvider, Action<Span<byte>>? fillRandom = null)
    {
        _credentials = credentials;
        HostName = hostName;
        TimeProvider = timeProvider;
        _fillRandom = fillRandom ?? RandomNumberGenerator.Fill;
    }

    public string HostName { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>True when no credential table is configured: every well-formed login succeeds.</summary>
    public bool AcceptsAnyone => _credentials is null;

    public void FillRandom(Span<byte> destination) => _fillRandom(destination);

    /// <summary>The configured secret (password or token) for a user, or null if the user is unknown.</summary>
    public string? GetSecret(string user) =>
        _credentials is not null && _credentials.TryGetValue(user, out var secret) ? secret : null;

    /// <summary>Compares a presented secret in constant time. Always true when no credential table is configured.</summary>
    public bool CheckSecret(string user, string presented)
    {
        if (_credentials is null)
        {
            return true;
        }

        var expected = GetSecret(user);
        return expected is not null &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
    }
}
