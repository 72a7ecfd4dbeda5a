namespace SmtpTap.Core.Auth;

/// <summary>
/// The answer of an <see cref="IAuthBridge"/>. A bridged decision holds the upstream initial response, which carries an
/// access token: <see cref="ToString"/> never shows it, and only <see cref="Note"/> (written without secrets) may reach
/// the transcript.
/// </summary>
internal sealed class BridgeDecision
{
    public static readonly BridgeDecision NotBridged = new(BridgeOutcome.NotBridged);

    private BridgeDecision(BridgeOutcome outcome) => Outcome = outcome;

    public BridgeOutcome Outcome { get; }

    /// <summary>The account the client user belongs to (null when not bridged).</summary>
    public string? Account { get; private init; }

    /// <summary>Upstream SASL mechanism (<c>XOAUTH2</c>, <c>OAUTHBEARER</c>, or with a stored password <c>PLAIN</c>, <c>LOGIN</c>, <c>CRAM-MD5</c>) when bridged.</summary>
    public string? Mechanism { get; private init; }

    /// <summary>The user the tap authenticates upstream as (the account's mailbox).</summary>
    public string? UpstreamUser { get; private init; }

    /// <summary>The account's stored server password (password accounts only). Secret: never logged.</summary>
    public string? Password { get; private init; }

    /// <summary>True when the tap authenticates upstream with a stored server password rather than an OAuth2 token.</summary>
    public bool UsesStoredPassword => Password is not null;

    /// <summary>The upstream SASL initial response, base64. Secret: never logged.</summary>
    public string? InitialResponseBase64 { get; private init; }

    /// <summary>
    /// About the access token, for the transcript, without secrets or user names (the relay adds the user, masked per
    /// --mask-usernames), e.g. <c>from cache, expires 14:03:10Z</c> or <c>refreshed, expires 15:03:10Z</c>.
    /// </summary>
    public string? Note { get; private init; }

    /// <summary>The step that failed, e.g. <c>token refresh</c>.</summary>
    public string? Step { get; private init; }

    /// <summary>Why it failed (one line, no secret).</summary>
    public string? Reason { get; private init; }

    /// <summary>The command that fixes it, e.g. <c>smtptap account login crm</c>.</summary>
    public string? FixCommand { get; private init; }

    public static BridgeDecision WrongPassword(string account) => new(BridgeOutcome.WrongPassword) { Account = account };

    public static BridgeDecision Failed(string account, string step, string reason, string fixCommand) =>
        new(BridgeOutcome.Failed) { Account = account, Step = step, Reason = reason, FixCommand = fixCommand };

    public static BridgeDecision Bridged(string account, string mechanism, string initialResponseBase64, string note, string? upstreamUser = null) =>
        new(BridgeOutcome.Bridged) { Account = account, Mechanism = mechanism, InitialResponseBase64 = initialResponseBase64, Note = note, UpstreamUser = upstreamUser };

    /// <summary>Bridged with the account's stored server password: the tap runs PLAIN, LOGIN or CRAM-MD5 upstream itself.</summary>
    public static BridgeDecision BridgedWithPassword(string account, string mechanism, string upstreamUser, string password) =>
        new(BridgeOutcome.Bridged) { Account = account, Mechanism = mechanism, UpstreamUser = upstreamUser, Password = password, Note = "stored password" };

    public override string ToString() => Outcome switch
    {
        BridgeOutcome.Bridged => $"Bridged({Account}, {Mechanism}, {Note})",
        BridgeOutcome.Failed => $"Failed({Account}, {Step}: {Reason})",
        BridgeOutcome.WrongPassword => $"WrongPassword({Account})",
        _ => "NotBridged",
    };
}
