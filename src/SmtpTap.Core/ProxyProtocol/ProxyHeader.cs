using System.Net;

namespace SmtpTap.Core.ProxyProtocol;

/// <summary>What the proxy said about the connection.</summary>
internal enum ProxyHeaderCommand
{
    /// <summary>A relayed connection with the original client's addresses.</summary>
    Proxy,

    /// <summary>v2 LOCAL: the proxy's own connection (a health check); the socket's addresses apply.</summary>
    Local,

    /// <summary>v1 UNKNOWN or v2 with an unspecified family: a relayed connection whose addresses the proxy does not know.</summary>
    Unknown,
}

/// <summary>
/// A complete, valid PROXY protocol header. <see cref="Source"/> and <see cref="Destination"/> are set only for
/// <see cref="ProxyHeaderCommand.Proxy"/>; <see cref="Length"/> is the header's size on the wire (TLVs included).
/// </summary>
internal sealed record ProxyHeader(ProxyProtocolVersion Version, ProxyHeaderCommand Command, IPEndPoint? Source, IPEndPoint? Destination, int Length)
{
    /// <summary>"PROXY v2", "PROXY v2 LOCAL", "PROXY v1 UNKNOWN": for log lines.</summary>
    public string Describe() =>
        "PROXY " + (Version == ProxyProtocolVersion.V1 ? "v1" : "v2") + Command switch
        {
            ProxyHeaderCommand.Local => " LOCAL",
            ProxyHeaderCommand.Unknown => " UNKNOWN",
            _ => string.Empty,
        };
}
