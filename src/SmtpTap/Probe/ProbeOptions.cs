using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTap.Probe;

/// <summary>Everything one probe run needs, validated by the command before the runner starts.</summary>
internal sealed record ProbeOptions
{
    public const int DefaultSmtpPort = 25;
    public const int DefaultSmtpsPort = 465;

    public required string Host { get; init; }

    public required int Port { get; init; }

    /// <summary>smtps://: TLS from the first byte.</summary>
    public bool ImplicitTls { get; init; }

    /// <summary>--no-starttls: stay plaintext even when STARTTLS is offered.</summary>
    public bool NoStartTls { get; init; }

    /// <summary>--require-tls: fail (exit 4) unless the session is encrypted before AUTH or mail.</summary>
    public bool RequireTls { get; init; }

    /// <summary>Limit for each step (DNS, connect, each reply, the handshake).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public required string EhloName { get; init; }

    /// <summary>--ca: extra trusted CA certificates besides the system store.</summary>
    public IReadOnlyList<X509Certificate2> TrustedCas { get; init; } = [];

    /// <summary>--insecure: go on after a bad certificate (it is still reported).</summary>
    public bool Insecure { get; init; }

    /// <summary>--strict-expiry: a certificate expiring within 30 days makes the exit code 5.</summary>
    public bool StrictExpiry { get; init; }

    /// <summary>--allow-plain-auth: send credentials without TLS to a host that is not loopback.</summary>
    public bool AllowPlainAuth { get; init; }

    public ProbeCredentials? Credentials { get; init; }

    public ProbeMessage? Message { get; init; }

    public bool MaskUsernames { get; init; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"{(ImplicitTls ? "smtps" : "smtp")}://{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}");

    public int TimeoutSeconds => (int)Math.Round(Timeout.TotalSeconds);
}
