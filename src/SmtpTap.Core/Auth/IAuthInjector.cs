namespace SmtpTap.Core.Auth;

/// <summary>
/// The credentials of <c>smtptap proxy --inject-auth ACCOUNT</c>: the tap authenticates upstream as the account for
/// clients that send no AUTH at all. The app password was given at start, so nothing comes from the client. The CLI
/// adapts the account store to this interface; the relay knows no account, token or password store.
/// </summary>
internal interface IAuthInjector
{
    /// <summary>The account's name, for transcript lines and replies.</summary>
    string Account { get; }

    /// <summary>The account's mailbox (the upstream user).</summary>
    string User { get; }

    /// <summary>
    /// Credentials for one session: <see cref="BridgeOutcome.Bridged"/> with the mechanism and what it needs, or
    /// <see cref="BridgeOutcome.Failed"/> naming the step and the fixing command. Never throws for an account or
    /// identity-provider problem.
    /// </summary>
    Task<BridgeDecision> GetAsync(IReadOnlyList<string> serverMechanisms, CancellationToken cancellationToken);
}
