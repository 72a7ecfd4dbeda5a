using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Core.Hosting;

/// <summary>Everything a running tap needs, validated once by the CLI.</summary>
internal sealed record TapOptions
{
    public required IReadOnlyList<ListenerEndpoint> Listeners { get; init; }

    public required UpstreamEndpoint Upstream { get; init; }

    public UpstreamTlsPolicy UpstreamTls { get; init; } = UpstreamTlsPolicy.Auto;

    /// <summary>CAs trusted for the upstream certificate in addition to the system store.</summary>
    public IReadOnlyList<X509Certificate2> UpstreamTrustedCas { get; init; } = [];

    public bool UpstreamInsecure { get; init; }

    /// <summary>Relay AUTH over a plaintext upstream leg to a non-loopback host.</summary>
    public bool AllowPlainAuth { get; init; }

    /// <summary>Where the tap stores each relayed message as .eml (null: not stored).</summary>
    public string? CaptureDirectory { get; init; }

    /// <summary>Show message bodies in the transcript (default: headers, then a size/lines summary).</summary>
    public bool ShowBody { get; init; }

    /// <summary>Hide user names in AUTH transcripts too.</summary>
    public bool MaskUsernames { get; init; }

    /// <summary>Name the tap uses in its own EHLO to the server before STARTTLS.</summary>
    public string EhloName { get; init; } = "smtptap.localhost";

    public TapLimits Limits { get; init; } = new();

    /// <summary>Observers of every session's transcript besides the Serilog output (the web UI's session store).</summary>
    public IReadOnlyList<Transcript.ITranscriptObserver> TranscriptObservers { get; init; } = [];

    /// <summary>Peers allowed to send a PROXY header on a <c>?proxy-protocol=</c> listener (--trusted-proxy; default loopback).</summary>
    public ProxyProtocol.TrustedProxies TrustedProxies { get; init; } = ProxyProtocol.TrustedProxies.Loopback;

    /// <summary>What a line ending in a bare LF gets (--line-endings): refused at once (default), or normalised to CRLF.</summary>
    public Protocol.LineEndingPolicy LineEndings { get; init; } = Protocol.LineEndingPolicy.Reject;

    /// <summary>When the client leg offers STARTTLS (--client-starttls): as the server does (default), always, or never.</summary>
    public ClientStartTlsPolicy ClientStartTls { get; init; } = ClientStartTlsPolicy.Mirror;

    /// <summary>
    /// Whether an address (client or upstream) counts as "on this machine" for the AUTH rules (loopback by default).
    /// A local plaintext client may authenticate when the upstream leg is TLS; a remote one follows the server's own posture.
    /// </summary>
    public Func<System.Net.IPAddress, bool> IsLocalAddress { get; init; } = System.Net.IPAddress.IsLoopback;

    /// <summary>
    /// Credential bridging (--oauth2): AUTH PLAIN and LOGIN from clients are answered by the tap and, for users with an
    /// account, the tap authenticates upstream itself (null: every AUTH is relayed unchanged).
    /// </summary>
    public Auth.IAuthBridge? AuthBridge { get; init; }

    /// <summary>
    /// --inject-auth ACCOUNT: the tap authenticates every session upstream itself before its first MAIL (for clients
    /// that cannot authenticate); null: off.
    /// </summary>
    public InjectAuthOptions? InjectAuth { get; init; }
}
