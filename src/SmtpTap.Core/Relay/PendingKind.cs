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
    Data,
    EndOfData,
    Bdat,
    BdatLast,
    Quit,
}
