namespace SmtpTap.Core.Auth;

/// <summary>
/// The relay's view of credential bridging (issue 13): given the user and password a client sent to the tap with
/// AUTH PLAIN or LOGIN, how the tap should authenticate upstream. The relay knows nothing of OAuth2, accounts or
/// token stores; the CLI adapts the account store to this interface (<c>smtptap proxy --oauth2</c>).
/// </summary>
internal interface IAuthBridge
{
    /// <summary>
    /// Decides for one AUTH exchange. Never throws for a user or identity-provider problem: those are
    /// <see cref="BridgeOutcome.WrongPassword"/> or <see cref="BridgeOutcome.Failed"/>.
    /// </summary>
    /// <param name="user">The authentication identity the client sent (PLAIN authcid, LOGIN user name).</param>
    /// <param name="password">The password the client sent (the account's app password when the user has an account).</param>
    /// <param name="serverMechanisms">The SASL mechanisms of the server's last EHLO reply, upper-cased.</param>
    /// <param name="cancellationToken">Cancelled when the session ends.</param>
    Task<BridgeDecision> TryBridgeAsync(string user, string password, IReadOnlyList<string> serverMechanisms, CancellationToken cancellationToken);
}
