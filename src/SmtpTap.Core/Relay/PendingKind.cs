namespace SmtpTap.Core.Relay;

/// <summary>What a client line forwarded upstream was, so its reply can be read in context.</summary>
internal enum PendingKind
{
    Other,
    Ehlo,
    Helo,
    Auth,
    AuthResponse,

    /// <summary>The tap's own "*" cancelling an AUTH exchange (its reply is logged, not relayed).</summary>
    AuthCancel,

    /// <summary>
    /// An AUTH step the tap sends on its own (the bridged OAuth2 AUTH, or the replay of an exchange the tap answered
    /// locally): a 334 is answered by the tap and not relayed; any other reply goes to the client.
    /// </summary>
    TapAuth,

    /// <summary>
    /// An AUTH step of the tap's own exchange for <c>--inject-auth</c> (the client sent no AUTH): every reply is logged
    /// and none is relayed.
    /// </summary>
    TapInject,

    /// <summary>The tap's own EHLO before an injected AUTH (the client sent HELO or none): its reply is logged, not relayed.</summary>
    TapEhlo,
    Data,
    EndOfData,
    Bdat,
    BdatLast,
    Quit,
}
