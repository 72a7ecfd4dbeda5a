namespace SmtpTap.Probe;

/// <summary>One certificate of the chain the server presented, as facts safe to print.</summary>
internal sealed record CertificateReport
{
    public required string Subject { get; init; }

    public required IReadOnlyList<string> Sans { get; init; }

    public required string Issuer { get; init; }

    public required DateTimeOffset NotBefore { get; init; }

    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>Whole days until NotAfter (negative once expired).</summary>
    public required int DaysLeft { get; init; }

    public required string Sha256 { get; init; }
}
