namespace SmtpTap.Core.Hosting;

/// <summary>Bounds and timeouts (RFC 5321 section 4.5.3). Every one is a cap, never a buffer size to fill.</summary>
internal sealed record TapLimits
{
    // --- Hardening limits (issue 6, catalogue A-C): kept together for merging. ---

    /// <summary>
    /// Command line including CRLF. RFC 5321 section 4.5.3.1.4 sets 512 as the minimum a server must take, but
    /// servers take far more (Postfix: line_length_limit 2048), so the default is above what they accept and the
    /// tap never refuses what the server would take (12288, the AUTH line limit of RFC 4954, which also bounds framing).
    /// MAIL and RCPT may be twice as long (extension parameters);
    /// AUTH lines have their own limit. Longer lines get 500 5.5.6 and are not forwarded.
    /// </summary>
    public int MaxCommandLine { get; init; } = 12288;

    /// <summary>
    /// Largest message in octets as the tap counts them on the wire (0: no limit of the tap's own; the
    /// server's advertised SIZE still applies). Over it: 552 5.3.4, and the server never gets the end of data.
    /// </summary>
    public long MaxMessageSize { get; init; }

    /// <summary>Octets of an over-long line the tap throws away while looking for its CRLF before it gives up and closes.</summary>
    public int MaxLineDiscard { get; init; } = 64 * 1024;

    /// <summary>Syntax errors and unknown commands (5xx to a command) before the tap closes with 421 4.7.0 (Postfix: smtpd_hard_error_limit 20).</summary>
    public int MaxCommandErrors { get; init; } = 20;

    // --- end of hardening limits ---

    /// <summary>AUTH command and SASL response lines (RFC 4954: 12288 is considered enough).</summary>
    public int MaxAuthLine { get; init; } = 12288;

    /// <summary>
    /// Text line inside DATA, including CRLF, that the tap enforces (0: none). RFC 5321 says 1000, but servers take
    /// longer lines (CRM HTML on one line is common), so by default the tap relays them, streamed in bounded memory,
    /// and flags each in the transcript.
    /// </summary>
    public int MaxDataLine { get; init; }

    public int MaxSessions { get; init; } = 1000;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A PROXY protocol listener closes a connection whose header is not complete within this time (a load balancer sends it at once).</summary>
    public TimeSpan ProxyHeaderTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Waiting for the next client command (RFC 5321 section 4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan ClientIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for a server reply to an ordinary command (RFC 5321: 5 minutes).</summary>
    public TimeSpan ServerReplyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for the server's reply to the end of data (RFC 5321: 10 minutes).</summary>
    public TimeSpan EndOfDataTimeout { get; init; } = TimeSpan.FromMinutes(10);

    // --- Load and fault limits (issue 6, catalogue F and G) ---

    /// <summary>
    /// Per-request deadline (Postfix smtpd_per_request_deadline): a command line must be complete within this
    /// time of its first byte, however the bytes trickle in (slowloris). RFC 5321 section 4.5.3.2.7: 5 minutes.
    /// </summary>
    public TimeSpan CommandDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Minimum client data rate in bytes per second for DATA content and BDAT chunks (Postfix smtpd_min_data_rate,
    /// 500). Each read earns bytes/rate seconds of budget; 0 disables the rule.
    /// </summary>
    public int MinDataRate { get; init; } = 500;

    /// <summary>
    /// The starting (and largest) time budget of the minimum-rate rule: a stalled sender is cut off after this
    /// long, a trickling one a little later (RFC 5321 section 4.5.3.2.7: 5 minutes).
    /// </summary>
    public TimeSpan DataRateGrace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A write to the client that does not complete in this time (a client that never reads its replies) ends
    /// the session (RFC 5321 section 4.5.3.2.7: 5 minutes).
    /// </summary>
    public TimeSpan ClientWriteTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A write of message content to the server that does not complete in this time (a server that stopped
    /// reading) aborts the message with 451 (RFC 5321 section 4.5.3.2.5, data block: 3 minutes).
    /// </summary>
    public TimeSpan DataBlockTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Concurrent sessions from one client address before it gets 421 (Postfix smtpd_client_connection_count_limit); 0: no per-address cap.</summary>
    public int MaxSessionsPerAddress { get; init; }
}
