using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmtpTap.Certificates.Internal;

/// <summary>
/// A validated host name or IP literal, normalized (lower case, no trailing dot, canonical IP text).
/// Anything that is not a plain DNS name or IP literal is refused, so a hostile SNI value can
/// neither reach the file system nor bloat a certificate.
/// </summary>
internal sealed record ServerName
{
    public const int MaxDnsNameLength = 253;
    private const int MaxLabelLength = 63;

    private ServerName(string value, IPAddress? address)
    {
        Value = value;
        Address = address;
    }

    /// <summary>The normalized text: <c>mail.example.com</c>, <c>127.0.0.1</c>, <c>::1</c>.</summary>
    public string Value { get; }

    /// <summary>Set when the name is an IP literal.</summary>
    public IPAddress? Address { get; }

    public bool IsIpAddress => Address is not null;

    /// <summary>A file name stem made only of <c>[a-z0-9.-_]</c>; IP literals get an <c>ip_</c> prefix no DNS name can have.</summary>
    public string FileStem => Address is null ? Value : "ip_" + Value.Replace(':', '-');

    public override string ToString() => Value;

    public static ServerName Parse(string text) =>
        TryParse(text, out var name)
            ? name
            : throw new ArgumentException($"'{Printable(text)}' is not a valid DNS name or IP address.", nameof(text));

    public static bool TryParse(string? text, [NotNullWhen(true)] out ServerName? name)
    {
        name = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxDnsNameLength + 2)
        {
            return false;
        }

        var candidate = text.Trim();
        if (candidate.StartsWith('[') && candidate.EndsWith(']'))
        {
            candidate = candidate[1..^1];
        }

        if (TryParseIp(candidate, out var address))
        {
            name = new ServerName(address.ToString(), address);
            return true;
        }

        if (candidate.EndsWith('.'))
        {
            candidate = candidate[..^1];
        }

        candidate = candidate.ToLowerInvariant();
        if (!IsDnsName(candidate))
        {
            return false;
        }

        name = new ServerName(candidate, null);
        return true;
    }

    private static bool TryParseIp(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        // IPAddress.TryParse also accepts "1" or "1.2"; only take dotted quads and IPv6 without a scope.
        var looksLikeV4 = text.Count(c => c == '.') == 3 && text.All(c => c is '.' or (>= '0' and <= '9'));
        var looksLikeV6 = text.Contains(':', StringComparison.Ordinal) && !text.Contains('%', StringComparison.Ordinal);
        if (!(looksLikeV4 || looksLikeV6) || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        return true;
    }

    private static bool IsDnsName(string text)
    {
        if (text.Length is 0 or > MaxDnsNameLength)
        {
            return false;
        }

        foreach (var label in text.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            if (!label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        // All-numeric last label would be confused with an IP literal ("1.2.3").
        var last = text[(text.LastIndexOf('.') + 1)..];
        return !last.All(char.IsAsciiDigit);
    }

    /// <summary>Shortened, control-free text of an untrusted value for error messages.</summary>
    public static string Printable(string? text)
    {
        if (text is null)
        {
            return "(null)";
        }

        var clipped = text.Length > 80 ? text[..80] + "..." : text;
        return string.Concat(clipped.Select(c => char.IsControl(c) ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture) : c.ToString()));
    }
}
