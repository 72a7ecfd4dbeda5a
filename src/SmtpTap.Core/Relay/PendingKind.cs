namespace SmtpTap.Core.Relay;

/// <summary>What a client line forwarded upstream was, so its reply can be read in context.</summary>
internal enum PendingKind
{
    Other,
    Ehlo,
    Helo,
    Auth,
    AuthResponse,
    Data,
    EndOfData,
    Bdat,
    BdatLast,
    Quit,
}
