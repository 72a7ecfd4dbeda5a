using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace SmtpTap.Bundle;

/// <summary>
/// <c>--mask-addresses</c>: replaces e-mail addresses (<c>user1@domain1.example</c>), host names (<c>host1.example</c>),
/// IPv4 (<c>192.0.2.N</c>) and IPv6 addresses (<c>2001:db8::N</c>) with pseudonyms that are stable for one instance (one
/// bundle): the same input always gives the same pseudonym. Host names are dotted names with an alphabetic last label,
/// and the single-label names learnt from EHLO/HELO/LHLO arguments. Only matches are replaced, so
/// whatever the transcript already masked stays masked. '=' is not taken into a local part, so the tap's own
/// <c>user=ADDRESS</c> annotations map to the same pseudonym as the address elsewhere.
/// </summary>
internal sealed partial class AddressPseudonyms
{
    private static readonly HashSet<string> s_fileSuffixes = new(StringComparer.OrdinalIgnoreCase) { "log", "pem", "txt", "json", "jsonl", "zip", "eml", "dll", "exe", "cs", "crt", "key", "pfx" };
    private readonly Dictionary<string, string> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _ips = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private int _ipv6;

    /// <summary>Remembers single-label host names (EHLO, HELO and LHLO arguments) to mask everywhere.</summary>
    public void Learn(string text)
    {
        var match = NamedHost().Match(text);
        if (match.Success)
        {
            var name = match.Groups["name"].Value.Trim('[', ']');
            if (name.Length > 1 && !IPAddress.TryParse(name, out _) && !name.Contains('*', StringComparison.Ordinal))
            {
                _names.Add(name);
            }
        }
    }

    /// <summary>The text with every address, host name and IP address replaced; a <c>334</c> line's base64 is left out.</summary>
    public string Mask(string text) => Replace(Challenge().Replace(text, "334 (base64 left out: --mask-addresses)"));

    private string Replace(string text) => Token().Replace(text, m =>
    {
        if (m.Groups["mail"].Success)
        {
            return Address(m.Value);
        }

        if (m.Groups["v4"].Success)
        {
            return IPAddress.TryParse(m.Value, out _) ? Ip(m.Value, v6: false) : m.Value;
        }

        if (m.Groups["v6"].Success)
        {
            return IPAddress.TryParse(m.Value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Ip(m.Value, v6: true) : m.Value;
        }

        if (m.Groups["host"].Success)
        {
            var last = m.Value[(m.Value.LastIndexOf('.') + 1)..];
            return s_fileSuffixes.Contains(last) ? m.Value : Host(m.Value);
        }

        return _names.Contains(m.Value) ? Host(m.Value) : m.Value;
    });

    private string Address(string address)
    {
        if (!_addresses.TryGetValue(address, out var pseudonym))
        {
            var at = address.LastIndexOf('@');
            var domain = address[(at + 1)..];
            if (!_domains.TryGetValue(domain, out var masked))
            {
                masked = string.Create(CultureInfo.InvariantCulture, $"domain{_domains.Count + 1}.example");
                _domains[domain] = masked;
            }

            pseudonym = string.Create(CultureInfo.InvariantCulture, $"user{_addresses.Count + 1}@{masked}");
            _addresses[address] = pseudonym;
        }

        return pseudonym;
    }

    private string Host(string host)
    {
        if (!_hosts.TryGetValue(host, out var pseudonym))
        {
            pseudonym = string.Create(CultureInfo.InvariantCulture, $"host{_hosts.Count + 1}.example");
            _hosts[host] = pseudonym;
        }

        return pseudonym;
    }

    private string Ip(string ip, bool v6)
    {
        if (!_ips.TryGetValue(ip, out var pseudonym))
        {
            if (v6)
            {
                pseudonym = string.Create(CultureInfo.InvariantCulture, $"2001:db8::{++_ipv6:x}");
            }
            else
            {
                // The three documentation ranges of RFC 5737, 254 addresses each, then 2001:db8:: addresses.
                var n = _ips.Count(pair => !pair.Value.Contains(':', StringComparison.Ordinal));
                string[] ranges = ["192.0.2.", "198.51.100.", "203.0.113."];
                pseudonym = n < 3 * 254
                    ? ranges[n / 254] + ((n % 254) + 1).ToString(CultureInfo.InvariantCulture)
                    : string.Create(CultureInfo.InvariantCulture, $"2001:db8::{++_ipv6:x}");
            }

            _ips[ip] = pseudonym;
        }

        return pseudonym;
    }

    /// <summary>A server challenge: its base64 may encode host and domain names (CRAM-MD5, NTLM).</summary>
    [GeneratedRegex(@"^334 [A-Za-z0-9+/]{8,}={0,2}(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex Challenge();

    [GeneratedRegex(@"^(?:EHLO|HELO|LHLO)\s+(?<name>\[?[A-Za-z0-9][A-Za-z0-9.\-:]*\]?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamedHost();

    [GeneratedRegex(
        @"(?<mail>[A-Za-z0-9!#$%&'+/?^_`{|}~.\-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\b|[A-Za-z0-9!#$%&'+/?^_`{|}~.\-]+@\[[0-9A-Fa-f.:v]+\])"
        + @"|(?<v4>(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\w))"
        + @"|(?<v6>(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]))"
        + @"|(?<host>(?<![\w.@])(?<!(?<!^\d{3})-)(?!^\d{3}-)(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9\-]{0,61}[A-Za-z0-9](?![\w\-]|\.\w))"
        + @"|(?<word>(?<![\w.@])(?<!(?<!^\d{3})-)(?!^\d{3}-)[A-Za-z0-9][A-Za-z0-9\-]*(?![\w\-]|\.\w))",
        RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
