namespace SmtpTap.Probe;

/// <summary>The failure that stopped the probe: one plain line, never holding a secret.</summary>
internal sealed record ProbeError(ProbeFailureKind Kind, string Message);
