namespace SmtpTap.Core.Transcript;

/// <summary>What the tap did to a transcript line, beyond relaying it (the web UI highlights these).</summary>
internal enum TranscriptMark
{
    /// <summary>Relayed as the peer sent it (or a plain tap event).</summary>
    None,

    /// <summary>A line the tap itself sent: its own EHLO/STARTTLS/QUIT upstream, its local replies to the client.</summary>
    TapSent,

    /// <summary>A capability line of the server's EHLO reply that the tap removed before relaying it.</summary>
    CapabilityRemoved,

    /// <summary>A capability line the tap added to the EHLO reply the client gets.</summary>
    CapabilityAdded,

    /// <summary>A capability line the tap changed (the server's form on server&gt;tap, the tap's on tap&gt;client).</summary>
    CapabilityChanged,

    /// <summary>The tap event that names one capability rewrite and why.</summary>
    CapabilityRewrite,

    /// <summary>The "Certificate of the ... leg" event (its record carries the leg's certificate).</summary>
    Certificate,

    /// <summary>A 334 AUTH challenge from the server, shown with its decoded text (never a client's payload).</summary>
    AuthChallenge,
}
