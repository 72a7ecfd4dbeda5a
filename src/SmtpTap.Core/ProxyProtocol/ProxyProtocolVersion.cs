namespace SmtpTap.Core.ProxyProtocol;

/// <summary>Which PROXY protocol header a listener requires before anything else (<c>?proxy-protocol=v1|v2</c>).</summary>
internal enum ProxyProtocolVersion
{
    /// <summary>No header: the socket's peer is the client.</summary>
    None,

    /// <summary>The text line <c>PROXY TCP4|TCP6|UNKNOWN ...\r\n</c> (at most 107 bytes).</summary>
    V1,

    /// <summary>The binary header: 12-byte signature, version/command, family, length, addresses, TLVs.</summary>
    V2,
}
