using System.Globalization;

namespace SmtpTap.Core.Hosting;

/// <summary>Parses <c>scheme://host[:port]</c> with clear errors (IPv6 hosts in brackets).</summary>
internal static class EndpointUrl
{
    public static bool TryParse(string text, IReadOnlyList<string> schemes, out string scheme, out string host, out int? port, out string? error)
    {
        scheme = string.Empty;
        host = string.Empty;
        port = null;
        error = null;
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            error = $"'{text}' is not a URL: expected {string.Join(" or ", schemes.Select(s => s + "://host:port"))}";
            return false;
        }

        scheme = text[..separator].ToLowerInvariant();
        if (!schemes.Contains(scheme))
        {
            error = $"'{text}': unknown scheme '{scheme}', expected {string.Join(" or ", schemes.Select(s => s + "://"))}";
            return false;
        }

        var rest = text[(separator + 3)..].TrimEnd('/');
        string portText;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}': missing ']' after an IPv6 address";
                return false;
            }

            host = rest[1..close];
            portText = rest[(close + 1)..];
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            host = colon < 0 ? rest : rest[..colon];
            portText = colon < 0 ? string.Empty : rest[colon..];
        }

        if (host.Length == 0)
        {
            error = $"'{text}': no host";
            return false;
        }

        if (portText.Length > 0)
        {
            if (!portText.StartsWith(':') || !int.TryParse(portText.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 0 or > 65535)
            {
                error = $"'{text}': the port must be a number from 0 to 65535";
                return false;
            }

            port = p;
        }

        return true;
    }
}
