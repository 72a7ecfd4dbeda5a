namespace SmtpTap.Probe;

/// <summary>A step failed; the message is the one line the user sees (never a secret, never payload bytes).</summary>
internal sealed class ProbeStepException : Exception
{
    public ProbeStepException()
    {
    }

    public ProbeStepException(string message)
        : base(message)
    {
    }

    public ProbeStepException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProbeStepException(ProbeFailureKind kind, string message)
        : base(message) => Kind = kind;

    public ProbeFailureKind Kind { get; }
}
