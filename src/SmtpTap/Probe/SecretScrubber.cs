using SmtpTap.Core.Auth;

namespace SmtpTap.Probe;

/// <summary>
/// Last line of defence: replaces the secret and every base64 payload the probe sent during AUTH wherever
/// it turns up in text for the output (a server that echoes the client, an odd exception message).
/// The transcript never puts these there itself; this catches what a peer might.
/// </summary>
internal sealed class SecretScrubber
{
    private readonly List<string> _secrets = [];

    public void Add(string secret)
    {
        if (secret.Length >= 3 && !_secrets.Contains(secret, StringComparer.Ordinal))
        {
            _secrets.Add(secret);
            _secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }
    }

    public string Scrub(string text)
    {
        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, SaslMask.Placeholder, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
