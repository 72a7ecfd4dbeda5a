namespace SmtpTap.Probe;

/// <summary>Which step stopped the probe; each maps to its own exit code.</summary>
internal enum ProbeFailureKind
{
    /// <summary>DNS, refused, timeout, dropped connection, no service (exit 3).</summary>
    Connection,

    /// <summary>TLS handshake failed, STARTTLS refused, TLS required but not offered (exit 4).</summary>
    Tls,

    /// <summary>Certificate untrusted, wrong name or expired (exit 5).</summary>
    Certificate,

    /// <summary>AUTH not possible or rejected (exit 6).</summary>
    Auth,

    /// <summary>MAIL FROM, RCPT TO or DATA rejected (exit 7).</summary>
    Message,
}
