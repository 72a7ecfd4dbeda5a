namespace SmtpTap.Probe;

/// <summary>The AUTH test: mechanism, user (null with --mask-usernames), outcome and the server's final reply explained.</summary>
internal sealed record AuthReport
{
    public string? Mechanism { get; init; }

    public string? User { get; init; }

    public IReadOnlyList<string> Offered { get; init; } = [];

    public bool Success { get; init; }

    public string? Reply { get; init; }

    public string? Explanation { get; init; }
}
