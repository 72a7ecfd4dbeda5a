namespace SmtpTap.Bench;

/// <summary>TLS on a leg: none, STARTTLS after the greeting, or TLS from the first byte.</summary>
internal enum LegMode
{
    Plain,
    StartTls,
    Implicit,
}
