using System.Diagnostics.CodeAnalysis;

namespace SmtpTap.Core.Capture;

/// <summary>
/// Parses "FROM:&lt;path&gt; params" and "TO:&lt;path&gt; params" (RFC 5321 §4.1.2). As in Postfix, SP and HTAB
/// separate the words (runs of them too), and separators after the colon are tolerated.
/// </summary>
internal static class MailCommandParser
{
    public const int MaxPathLength = 256;

    private const string Separators = " \t";

    public static bool TryParse(string arguments, string keyword, [NotNullWhen(true)] out MailCommandArguments? result)
    {
        result = null;
        if (!arguments.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = arguments.AsSpan(keyword.Length).TrimStart(Separators);
        if (rest.Length == 0 || rest[0] != '<')
        {
            return false;
        }

        var close = rest.IndexOf('>');
        if (close < 0 || close + 1 > MaxPathLength)
        {
            return false;
        }

        var address = rest[1..close];
        if (!IsValidPath(address))
        {
            return false;
        }

        var parameters = new List<KeyValuePair<string, string?>>();
        var tail = rest[(close + 1)..];
        if (tail.Length > 0 && !Separators.Contains(tail[0]))
        {
            return false;
        }

        foreach (var range in tail.SplitAny(Separators))
        {
            var token = tail[range];
            if (token.Length == 0)
            {
                continue;
            }

            var equals = token.IndexOf('=');
            parameters.Add(equals < 0
                ? new(token.ToString(), null)
                : new(token[..equals].ToString(), token[(equals + 1)..].ToString()));
        }

        result = new MailCommandArguments(StripSourceRoute(address).ToString(), parameters);
        return true;
    }

    public static bool IsAscii(string text) => System.Text.Ascii.IsValid(text);

    private static bool IsValidPath(ReadOnlySpan<char> path)
    {
        foreach (var c in path)
        {
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>')
            {
                return false;
            }
        }

        return path.IndexOf(' ') < 0 || path.StartsWith("\"");
    }

    /// <summary>Drops an obsolete source route ("@a,@b:user@c" -> "user@c", RFC 5321 §4.1.2).</summary>
    private static ReadOnlySpan<char> StripSourceRoute(ReadOnlySpan<char> path)
    {
        if (path.Length > 0 && path[0] == '@')
        {
            var colon = path.IndexOf(':');
            if (colon >= 0)
            {
                return path[(colon + 1)..];
            }
        }

        return path;
    }
}
