namespace SmtpTap.Probe;

/// <summary>What the RCPT TO answers say about relaying.</summary>
internal enum RelayVerdict
{
    /// <summary>No test message was sent.</summary>
    NotTested,

    /// <summary>A recipient was refused with a relay error and no AUTH had been done.</summary>
    DeniedWithoutAuth,

    /// <summary>A recipient was refused with a relay error even after AUTH.</summary>
    DeniedWithAuth,

    /// <summary>A recipient in an outside domain was accepted without AUTH.</summary>
    OpenRelay,

    /// <summary>Recipients were accepted after AUTH.</summary>
    AcceptedWithAuth,

    /// <summary>Recipients were accepted without AUTH, but their domains look like the server's own.</summary>
    AcceptedLocal,

    /// <summary>A recipient was refused for a reason other than relaying.</summary>
    RejectedOther,
}
