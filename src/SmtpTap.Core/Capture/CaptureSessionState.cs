namespace SmtpTap.Core.Capture;

/// <summary>Immutable SMTP session state of the capture server; the command processor maps (state, line) to the next state.</summary>
internal sealed record CaptureSessionState
{
    /// <summary>Name given with HELO/EHLO; null until the client greeted (and again after STARTTLS).</summary>
    public string? ClientName { get; init; }

    /// <summary>True if the client greeted with EHLO (extensions enabled).</summary>
    public bool Extended { get; init; }

    public bool IsTls { get; init; }

    public string? AuthenticatedUser { get; init; }

    public bool IsAuthenticated { get; init; }

    /// <summary>A SASL exchange waiting for the client's next response line.</summary>
    public SaslExchange? PendingAuth { get; init; }

    public MailTransaction? Transaction { get; init; }

    public bool IsGreeted => ClientName is not null;

    public static CaptureSessionState Initial(bool isTls) => new() { IsTls = isTls };
}
