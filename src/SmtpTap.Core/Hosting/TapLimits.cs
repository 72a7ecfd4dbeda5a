namespace SmtpTap.Core.Hosting;

/// <summary>Bounds and timeouts (RFC 5321 section 4.5.3). Every one is a cap, never a buffer size to fill.</summary>
internal sealed record TapLimits
{
    /// <summary>Command line including CRLF; RFC 5321 requires at least 512.</summary>
    public int MaxCommandLine { get; init; } = 2048;

    /// <summary>AUTH command and SASL response lines (RFC 4954: 12288 is considered enough).</summary>
    public int MaxAuthLine { get; init; } = 12288;

    /// <summary>Text line inside DATA, including CRLF (RFC 5321: 1000).</summary>
    public int MaxDataLine { get; init; } = 1000;

    public int MaxSessions { get; init; } = 1000;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Waiting for the next client command (RFC 5321 section 4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan ClientIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for a server reply to an ordinary command (RFC 5321: 5 minutes).</summary>
    public TimeSpan ServerReplyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Waiting for the server's reply to the end of data (RFC 5321: 10 minutes).</summary>
    public TimeSpan EndOfDataTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
