namespace SmtpTap.Core.Protocol;

/// <summary>What the tap does with the server's AUTH capability before the client sees it.</summary>
internal enum AuthAdvertisement
{
    /// <summary>Relay the server's AUTH line (minus mechanisms that cannot survive TLS termination).</summary>
    Relay,

    /// <summary>Hide AUTH: the client leg may not carry credentials (yet).</summary>
    Hide,
}
