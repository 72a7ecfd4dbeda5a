using System.Net;
using SmtpTap.Core.ProxyProtocol;

namespace SmtpTap.Core.Hosting;

/// <summary>
/// A local listener: <c>smtp://HOST:PORT</c> (plain, STARTTLS offered) or <c>smtps://HOST:PORT</c> (implicit TLS),
/// optionally <c>?proxy-protocol=v1|v2</c> (behind a load balancer: a PROXY header from a trusted proxy comes first)
/// and <c>?inject-auth</c> (with <c>--inject-auth ACCOUNT</c>: only the listeners marked so authenticate upstream for
/// their clients; without any mark, all do). Parameters combine with <c>&amp;</c>.
/// </summary>
internal sealed record ListenerEndpoint(string Host, IPAddress Address, int Port, bool ImplicitTls)
{
    public ProxyProtocolVersion ProxyProtocol { get; init; }

    /// <summary><c>?inject-auth</c>: this listener is one of those where the tap authenticates upstream itself.</summary>
    public bool InjectAuth { get; init; }

    public string Url => (ImplicitTls ? "smtps://" : "smtp://") + FormatHost(Host) + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + Query;

    private string Query
    {
        get
        {
            var parameters = new List<string>(2);
            if (ProxyProtocol != ProxyProtocolVersion.None)
            {
                parameters.Add(ProxyProtocol == ProxyProtocolVersion.V1 ? "proxy-protocol=v1" : "proxy-protocol=v2");
            }

            if (InjectAuth)
            {
                parameters.Add("inject-auth");
            }

            return parameters.Count == 0 ? string.Empty : "?" + string.Join('&', parameters);
        }
    }

    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static bool TryParse(string text, out ListenerEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        var proxyProtocol = ProxyProtocolVersion.None;
        var injectAuth = false;
        var query = text.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0 && !TryParseQuery(text, text[(query + 1)..], out proxyProtocol, out injectAuth, out error))
        {
            return false;
        }

        if (!EndpointUrl.TryParse(query >= 0 ? text[..query] : text, ["smtp", "smtps"], out var scheme, out var host, out var port, out error))
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

        endpoint = new ListenerEndpoint(host!, address, port.Value, scheme == "smtps") { ProxyProtocol = proxyProtocol, InjectAuth = injectAuth };
        return true;
    }

    private static bool TryParseQuery(string text, string query, out ProxyProtocolVersion version, out bool injectAuth, out string? error)
    {
        version = ProxyProtocolVersion.None;
        injectAuth = false;
        error = null;
        foreach (var parameter in query.Split('&'))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? parameter : parameter[..equals];
            var value = equals < 0 ? string.Empty : parameter[(equals + 1)..];
            if (string.Equals(name, "inject-auth", StringComparison.OrdinalIgnoreCase))
            {
                if (equals >= 0)
                {
                    error = $"--listen {text}: inject-auth takes no value (the account is --inject-auth ACCOUNT)";
                    return false;
                }

                injectAuth = true;
                continue;
            }

            if (!string.Equals(name, "proxy-protocol", StringComparison.OrdinalIgnoreCase))
            {
                error = $"--listen {text}: unknown parameter '{name}' (known: proxy-protocol=v1|v2, inject-auth)";
                return false;
            }

            switch (value.ToLowerInvariant())
            {
                case "v1":
                    version = ProxyProtocolVersion.V1;
                    break;
                case "v2":
                    version = ProxyProtocolVersion.V2;
                    break;
                default:
                    error = $"--listen {text}: proxy-protocol must be v1 or v2, not '{value}'";
                    return false;
            }
        }

        return true;
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host;
}
