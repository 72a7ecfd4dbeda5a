using System.Net;

namespace SmtpTap.Core.Hosting;

/// <summary>A local listener: <c>smtp://HOST:PORT</c> (plain, STARTTLS offered) or <c>smtps://HOST:PORT</c> (implicit TLS).</summary>
internal sealed record ListenerEndpoint(string Host, IPAddress Address, int Port, bool ImplicitTls)
{
    public string Url => (ImplicitTls ? "smtps://" : "smtp://") + FormatHost(Host) + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static bool TryParse(string text, out ListenerEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        if (!EndpointUrl.TryParse(text, ["smtp", "smtps"], out var scheme, out var host, out var port, out error))
        {
            return false;
        }

        if (port is null)
        {
            error = $"--listen {text}: give a port, e.g. smtp://127.0.0.1:2525";
            return false;
        }

        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out address))
        {
            error = $"--listen {text}: the host must be an IP address or localhost (e.g. 127.0.0.1, 0.0.0.0, [::1])";
            return false;
        }

        endpoint = new ListenerEndpoint(host!, address, port.Value, scheme == "smtps");
        return true;
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host;
}
