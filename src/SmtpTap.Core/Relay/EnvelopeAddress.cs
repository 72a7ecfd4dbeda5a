namespace SmtpTap.Core.Relay;

/// <summary>The address of a MAIL FROM or RCPT TO line as the transcript shows it: the path without its angle brackets.</summary>
internal static class EnvelopeAddress
{
    public static string Of(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var rest = (colon < 0 ? string.Empty : line[(colon + 1)..]).TrimStart();
        if (rest.StartsWith('<'))
        {
            var close = rest.IndexOf('>', StringComparison.Ordinal);
            return close < 0 ? rest[1..] : rest[1..close];
        }

        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? rest : rest[..space];
    }
}
