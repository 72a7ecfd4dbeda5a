using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The upstream leg after the tap's own preamble: connected, greeted, and (per policy) secured with TLS
/// before any client byte is relayed. On failure <see cref="Connection"/> is null and
/// <see cref="FailureReply"/> is what the client gets instead of a greeting.
/// </summary>
internal sealed record UpstreamSetup
{
    public SmtpConnection? Connection { get; init; }

    public ReplyRead? Greeting { get; init; }

    public TlsFacts? Tls { get; init; }

    /// <summary>AUTH mechanisms the server offered before TLS; null when no plaintext EHLO was exchanged.</summary>
    public IReadOnlyList<string>? PlaintextAuthMechanisms { get; init; }

    public bool CertificateVerified { get; init; }

    /// <summary>The policy wanted TLS when possible (auto) but the server offered no STARTTLS: the leg is plaintext.</summary>
    public bool TlsNotOffered { get; init; }

    public SmtpReply? FailureReply { get; init; }

    public string? FailureReason { get; init; }

    public static UpstreamSetup Failed(int code, string enhanced, string reason) => new()
    {
        FailureReply = SmtpReply.Single(code, $"{enhanced} smtptap: {reason}"),
        FailureReason = reason,
    };
}
