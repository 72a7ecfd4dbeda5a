using System.Net;
using SmtpTap.Certificates;

namespace SmtpTap.Core.Capture;

/// <summary>Settings of the built-in capture server (a loopback ESMTP sink that stores each message as .eml).</summary>
internal sealed record CaptureServerOptions
{
    /// <summary>Where to listen; port 0 picks a free port.</summary>
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>Certificate source for STARTTLS / implicit TLS; null disables TLS entirely (no STARTTLS offered).</summary>
    public IServerCertificateSource? Certificates { get; init; }

    /// <summary>TLS from the first byte (needs <see cref="Certificates"/>).</summary>
    public bool ImplicitTls { get; init; }

    /// <summary>Directory for .eml files; null: messages are not written to disk.</summary>
    public string? CaptureDirectory { get; init; }

    /// <summary>Keep message bytes in <see cref="CapturedMessage.Content"/> (for tests).</summary>
    public bool KeepInMemory { get; init; }

    /// <summary>null: any credentials are accepted; otherwise user -> password (for XOAUTH2: the bearer token).</summary>
    public IReadOnlyDictionary<string, string>? Credentials { get; init; }

    /// <summary>SASL mechanisms offered, in order. "NTLM" may be added.</summary>
    public IReadOnlyList<string> AuthMechanisms { get; init; } = ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"];

    /// <summary>AUTH is advertised and accepted only after TLS (like Postfix smtpd_tls_auth_only).</summary>
    public bool AuthRequiresTls { get; init; }

    public string HostName { get; init; } = "capture.smtptap.local";

    public long MaxMessageSize { get; init; } = 200L * 1024 * 1024;

    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
