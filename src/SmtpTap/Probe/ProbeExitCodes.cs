namespace SmtpTap.Probe;

/// <summary>The exit codes of <c>smtptap probe</c> (also in its --help text).</summary>
internal static class ProbeExitCodes
{
    public const int Ok = 0;
    public const int Usage = 2;
    public const int Connection = 3;
    public const int Tls = 4;
    public const int Certificate = 5;
    public const int Auth = 6;
    public const int Message = 7;

    /// <summary>The relay test failed: without --user the server accepted a recipient in an outside domain.</summary>
    public const int OpenRelay = 8;

    public const string HelpText =
        "Exit codes: 0 all good; 2 usage error; 3 connection failure (DNS, refused, timeout, dropped); " +
        "4 TLS failure (handshake, STARTTLS refused, TLS required but not offered); " +
        "5 certificate problem (untrusted, name mismatch, expired; expiring within 30 days only with --strict-expiry); " +
        "6 AUTH failure; 7 message rejected (MAIL/RCPT/DATA; without --user a refusal to relay is the relay test passing, exit 0); " +
        "8 open relay (without --user the server accepted a recipient in an outside domain: the relay test failed).";

    /// <summary>
    /// An open relay (the relay test failing) decides first, as the RCPT answers establish it before anything later fails;
    /// then the step that stopped the probe; otherwise a certificate problem the probe went past
    /// (--insecure) gives 5, and so does one expiring within 30 days with --strict-expiry.
    /// </summary>
    public static int For(ProbeReport report, bool strictExpiry)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Message is { RelayVerdict: RelayVerdict.OpenRelay } && report.Error is null or { Kind: ProbeFailureKind.Message })
        {
            return OpenRelay;
        }

        if (report.Error is { } error)
        {
            return For(error.Kind);
        }

        if (report.Tls is { } tls && (!tls.CertificateOk || (strictExpiry && tls.ExpiresSoon)))
        {
            return Certificate;
        }

        return Ok;
    }

    public static int For(ProbeFailureKind kind) => kind switch
    {
        ProbeFailureKind.Connection => Connection,
        ProbeFailureKind.Tls => Tls,
        ProbeFailureKind.Certificate => Certificate,
        ProbeFailureKind.Auth => Auth,
        ProbeFailureKind.Message => Message,
        _ => 1,
    };
}
