namespace SmtpTap.Probe;

/// <summary>What the TLS handshake showed. Protocol and cipher are null when the handshake did not finish.</summary>
internal sealed record TlsReport
{
    /// <summary>"STARTTLS" or "implicit".</summary>
    public required string Mode { get; init; }

    public string? Protocol { get; init; }

    public string? Cipher { get; init; }

    public IReadOnlyList<CertificateReport> Chain { get; init; } = [];

    public bool HostnameMatch { get; init; }

    public bool ChainValid { get; init; }

    /// <summary>Why the chain is not valid (null when it is).</summary>
    public string? ChainProblem { get; init; }

    /// <summary>"system trust store" or "system trust store + --ca".</summary>
    public string? TrustedBy { get; init; }

    /// <summary>Days left on the server's own certificate.</summary>
    public int? DaysLeft { get; init; }

    public bool ExpiresSoon { get; init; }

    public bool Expired { get; init; }

    /// <summary>The certificate has a problem and the probe went on because of --insecure.</summary>
    public bool AcceptedInsecurely { get; init; }

    public bool CertificateOk => ChainValid && HostnameMatch && !Expired && Chain.Count > 0;
}
