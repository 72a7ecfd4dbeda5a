namespace SmtpTap.Core.Protocol;

/// <summary>The facts the EHLO rewrite needs about the two legs at the time of this EHLO.</summary>
internal sealed record CapabilityPolicy
{
    /// <summary>Offer STARTTLS to the client (its leg is plain and the listener allows the upgrade).</summary>
    public bool OfferStartTls { get; init; }

    public AuthAdvertisement Auth { get; init; } = AuthAdvertisement.Relay;

    /// <summary>Why AUTH is hidden, for the transcript.</summary>
    public string? AuthHiddenReason { get; init; }

    /// <summary>REQUIRETLS may only be relayed when both legs are TLS and the upstream certificate was verified.</summary>
    public bool AllowRequireTls { get; init; }

    /// <summary>The tap's own message size limit (0: none); SIZE is lowered to it when the server's is higher or absent.</summary>
    public long MaxMessageSize { get; init; }

    /// <summary>
    /// Mechanisms the tap takes from clients itself (the OAuth2 bridge: PLAIN and LOGIN), added to the server's AUTH line
    /// when the server offers XOAUTH2 or OAUTHBEARER; empty without the bridge.
    /// </summary>
    public IReadOnlyList<string> BridgeAuthMechanisms { get; init; } = [];
}
