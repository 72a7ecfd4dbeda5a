using SmtpTap.Core.Hosting;

namespace SmtpTap.Commands;

/// <summary>The parsed <c>proxy</c> command line, before files are read.</summary>
internal sealed record ProxySettings
{
    public required IReadOnlyList<ListenerEndpoint> Listeners { get; init; }

    public required UpstreamEndpoint Upstream { get; init; }

    public UpstreamTlsPolicy UpstreamTls { get; init; }

    public IReadOnlyList<string> UpstreamCaFiles { get; init; } = [];

    public bool UpstreamInsecure { get; init; }

    public bool AllowPlainAuth { get; init; }

    /// <summary>--oauth2: bridge AUTH PLAIN/LOGIN of account users to XOAUTH2/OAUTHBEARER upstream.</summary>
    public bool OAuth2 { get; init; }

    /// <summary>--inject-auth: the account the tap authenticates every session upstream with (null: off).</summary>
    public string? InjectAuth { get; init; }

    /// <summary>--inject-auth-password-env: the variable holding that account's app password.</summary>
    public string? InjectAuthPasswordEnv { get; init; }

    /// <summary>--inject-auth-allow-remote: serve non-loopback clients on an --inject-auth tap.</summary>
    public bool InjectAuthAllowRemote { get; init; }

    public string CertDirectory { get; init; } = HomePaths.DefaultCertDirectory;

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    public string? CertPasswordEnv { get; init; }

    public string? TranscriptDirectory { get; init; }

    public bool Json { get; init; }

    public string? CaptureDirectory { get; init; }

    public string? LogFile { get; init; }

    public bool ShowBody { get; init; }

    public bool MaskUsernames { get; init; }

    public int MaxSessions { get; init; } = 1000;

    /// <summary>OTLP/HTTP logs endpoint for the transcript events (null: none).</summary>
    public Uri? Otlp { get; init; }

    /// <summary>Where the web UI is served (null: not served).</summary>
    public System.Net.IPEndPoint? Web { get; init; }

    /// <summary>The web UI may listen on a non-loopback address (it then requires a token).</summary>
    public bool WebAllowRemote { get; init; }

    /// <summary>Sessions the web UI keeps in memory.</summary>
    public int WebHistory { get; init; } = 1000;

    /// <summary>Transcript lines the web UI keeps in memory per session (the first half and the newest half).</summary>
    public int WebLines { get; init; } = SmtpTap.Web.SessionStore.DefaultMaxLinesPerSession;

    /// <summary>Where /healthz and /metrics are served (null: not served).</summary>
    public System.Net.IPEndPoint? Metrics { get; init; }

    /// <summary>Enforced longest DATA text line (0: none; lines over 1000 are relayed and flagged).</summary>
    public int MaxLineLength { get; init; }

    public Core.Protocol.LineEndingPolicy LineEndings { get; init; } = Core.Protocol.LineEndingPolicy.Reject;

    public ClientStartTlsPolicy ClientStartTls { get; init; } = ClientStartTlsPolicy.Mirror;

    public int MaxCommandLine { get; init; } = 12288;

    public long MaxMessageSize { get; init; }

    /// <summary>Seconds a client may stay silent between commands (RFC 5321 section 4.5.3.2.7: 300).</summary>
    public int IdleTimeoutSeconds { get; init; } = 300;

    /// <summary>Concurrent sessions per client address (0: no cap).</summary>
    public int MaxSessionsPerAddress { get; init; }

    /// <summary>Seconds a message in progress may take to finish once the tap is asked to stop.</summary>
    public int DrainTimeoutSeconds { get; init; } = 30;

    /// <summary>Peers allowed to send a PROXY header on a ?proxy-protocol= listener (default loopback).</summary>
    public Core.ProxyProtocol.TrustedProxies TrustedProxies { get; init; } = Core.ProxyProtocol.TrustedProxies.Loopback;

    /// <summary>Minimum DATA/BDAT rate in bytes per second (0: off).</summary>
    public int MinDataRate { get; init; } = 500;
}
