using System.Text.RegularExpressions;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Probe;

/// <summary>
/// Finds the queue id in the reply to the end of data: Postfix "queued as X", Exim "OK id=X",
/// Exchange "&lt;id@host&gt; ... Queued mail for delivery", Sendmail "X Message accepted for delivery".
/// Null when the reply holds none of these (the caller then shows the reply itself).
/// </summary>
internal static partial class QueueIdParser
{
    public static string? Parse(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (!reply.IsPositiveCompletion)
        {
            return null;
        }

        foreach (var line in reply.Lines)
        {
            var id = Parse(line);
            if (id is not null)
            {
                return id;
            }
        }

        return null;
    }

    public static string? Parse(string line)
    {
        foreach (var pattern in s_patterns)
        {
            var match = pattern.Match(line);
            if (match.Success)
            {
                return match.Groups["id"].Value;
            }
        }

        return null;
    }

    private static readonly Regex[] s_patterns = [QueuedAs(), EximId(), AngleId(), SendmailId()];

    [GeneratedRegex(@"queued as (?<id>[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QueuedAs();

    [GeneratedRegex(@"\bid=(?<id>[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EximId();

    [GeneratedRegex(@"(?<id><[^<>\s]+@[^<>\s]+>)", RegexOptions.CultureInvariant)]
    private static partial Regex AngleId();

    [GeneratedRegex(@"^(?:\d\.\d{1,3}\.\d{1,3} )?(?<id>[A-Za-z0-9]{8,})(?:-[A-Za-z0-9]+)? Message accepted for delivery", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SendmailId();
}
