namespace SmtpTap.Core.Transcript;

/// <summary>Who sent a transcript line to whom.</summary>
internal enum TranscriptDirection
{
    /// <summary>A line the client sent; forwarded to the server unchanged unless a TapToServer line follows.</summary>
    ClientToTap,

    /// <summary>A line the tap itself sent to the server (its own EHLO/STARTTLS, or a changed client line).</summary>
    TapToServer,

    /// <summary>A line the server sent; relayed to the client unchanged unless a TapToClient line follows.</summary>
    ServerToTap,

    /// <summary>A line the tap itself sent to the client (local replies, rewritten capabilities).</summary>
    TapToClient,

    /// <summary>Something the tap noticed or did: connect, TLS, rewrite, close.</summary>
    Event,
}
