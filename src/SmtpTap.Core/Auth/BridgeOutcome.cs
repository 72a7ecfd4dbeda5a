namespace SmtpTap.Core.Auth;

/// <summary>What the bridge decided for one client AUTH exchange.</summary>
internal enum BridgeOutcome
{
    /// <summary>The user has no account: the client's AUTH goes to the server unchanged.</summary>
    NotBridged,

    /// <summary>The password does not open the user's account: 535 from the tap, the server is never contacted.</summary>
    WrongPassword,

    /// <summary>No usable upstream credentials (refresh refused, identity provider unreachable, no tokens yet): 454 from the tap.</summary>
    Failed,

    /// <summary>The tap authenticates upstream with <see cref="BridgeDecision.Mechanism"/> and its initial response.</summary>
    Bridged,
}
