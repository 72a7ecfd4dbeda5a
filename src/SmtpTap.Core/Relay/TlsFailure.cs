namespace SmtpTap.Core.Relay;

/// <summary>
/// One readable line for a failed TLS handshake: the messages of the exception chain without .NET's
/// "see inner exception", and "does not speak TLS" instead of "Cannot determine the frame size or a corrupted frame".
/// </summary>
internal static class TlsFailure
{
    public const string NotTls = "the other side does not speak TLS (it sent something that is not a TLS handshake, e.g. plaintext SMTP)";

    public static string Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (ex is OperationCanceledException)
        {
            return "timed out";
        }

        if (IsNotTls(ex))
        {
            return NotTls;
        }

        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            var text = e.Message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
            if (text.Length > 0 && !text.Contains("see inner exception", StringComparison.OrdinalIgnoreCase) && !parts.Contains(text))
            {
                parts.Add(text);
            }
        }

        return parts.Count == 0 ? "the TLS handshake failed" : string.Join(": ", parts);
    }

    /// <summary>True when the peer answered the handshake with bytes that are not TLS at all.</summary>
    public static bool IsNotTls(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains("frame size", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("corrupted frame", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
