using System.Net;
using System.Net.Sockets;

namespace SmtpTap.Core.ProxyProtocol;

/// <summary>
/// The source addresses allowed to send a PROXY header (<c>--trusted-proxy CIDR</c>); by default loopback only.
/// IPv4 peers seen on a dual-mode socket (::ffff:a.b.c.d) are matched as IPv4.
/// </summary>
internal sealed class TrustedProxies
{
    public TrustedProxies(IReadOnlyList<IPNetwork> networks)
    {
        Networks = networks;
    }

    public static TrustedProxies Loopback { get; } = new([IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")]);

    public IReadOnlyList<IPNetwork> Networks { get; }

    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        address = Normalize(address);
        return Networks.Any(n => n.Contains(address));
    }

    /// <summary>::ffff:a.b.c.d as a.b.c.d, so one address is one key (per-address cap, trust, logs).</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public override string ToString() => string.Join(", ", Networks);

    /// <summary>A CIDR (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) or a single address (<c>/32</c> or <c>/128</c>), with a one-line error.</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network, out string? error)
    {
        network = default;
        error = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal))
        {
            error = $"--trusted-proxy {text}: not an IP address or CIDR (e.g. 10.0.0.0/8, 192.0.2.10, fd00::/8)";
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            error = $"--trusted-proxy {text}: the prefix length must be a number from 0 to {bits}";
            return false;
        }

        var masked = Mask(address, prefix);
        if (!masked.Equals(address))
        {
            error = $"--trusted-proxy {text}: the address has bits set past /{prefix}; did you mean {new IPNetwork(masked, prefix)}?";
            return false;
        }

        network = new IPNetwork(masked, prefix);
        return true;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
