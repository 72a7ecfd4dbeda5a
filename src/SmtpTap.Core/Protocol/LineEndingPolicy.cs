namespace SmtpTap.Core.Protocol;

/// <summary>What the tap does with a line that ends in a bare LF (--line-endings).</summary>
internal enum LineEndingPolicy
{
    /// <summary>Refuse at once with a reply that explains (default; never forwarded).</summary>
    Reject,

    /// <summary>Normalise the bare LF to CRLF and relay (Postfix smtpd_forbid_bare_newline = normalize, KumoMTA Fix).</summary>
    Fix,
}
