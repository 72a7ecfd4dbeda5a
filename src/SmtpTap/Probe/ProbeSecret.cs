using SmtpTap.Core.Auth;

namespace SmtpTap.Probe;

/// <summary>
/// A password or bearer token. It prints as the mask placeholder, so a record holding it, a log line or
/// an exception message can never show it; only the SASL encoder reads it through <see cref="Reveal"/>.
/// </summary>
internal sealed class ProbeSecret(string value)
{
    public bool IsEmpty => value.Length == 0;

    public string Reveal() => value;

    public override string ToString() => SaslMask.Placeholder;
}
