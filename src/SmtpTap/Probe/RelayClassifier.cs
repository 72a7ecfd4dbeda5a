using System.Net;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Probe;

/// <summary>Turns RCPT TO answers into a plain relay verdict.</summary>
internal static class RelayClassifier
{
    /// <summary>A refusal that is about relaying (<see cref="ReplyExplainer.IsRelayDenial"/>, the reading the web UI shows too).</summary>
    public static bool IsRelayDenial(SmtpReply reply) => ReplyExplainer.IsRelayDenial(reply);

    /// <summary>
    /// True if the recipient's domain looks like the server's own: equal to one of its names, or a parent
    /// domain of one (mail.contoso.com serves contoso.com). IP literals and "localhost" only match themselves.
    /// </summary>
    public static bool LooksLocal(string recipient, IEnumerable<string> serverNames)
    {
        ArgumentNullException.ThrowIfNull(serverNames);
        var domain = Domain(recipient);
        if (domain is null)
        {
            return true;
        }

        foreach (var raw in serverNames)
        {
            var name = raw.Trim().TrimEnd('.').ToLowerInvariant();
            if (name.Length == 0)
            {
                continue;
            }

            if (name == domain)
            {
                return true;
            }

            if (IPAddress.TryParse(name.Trim('[', ']'), out _) || name == "localhost" || !name.Contains('.', StringComparison.Ordinal))
            {
                continue;
            }

            if (name.EndsWith("." + domain, StringComparison.Ordinal) && domain.Contains('.', StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The verdict for a whole envelope: the first refused recipient decides, else any outside recipient accepted.</summary>
    public static RelayVerdict Classify(IReadOnlyList<(string Address, SmtpReply Reply)> recipients, bool authenticated, IReadOnlyList<string> serverNames)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        foreach (var (_, reply) in recipients)
        {
            if (!reply.IsPositiveCompletion)
            {
                return IsRelayDenial(reply)
                    ? (authenticated ? RelayVerdict.DeniedWithAuth : RelayVerdict.DeniedWithoutAuth)
                    : RelayVerdict.RejectedOther;
            }
        }

        if (recipients.Count == 0)
        {
            return RelayVerdict.NotTested;
        }

        if (authenticated)
        {
            return RelayVerdict.AcceptedWithAuth;
        }

        return recipients.Any(r => !LooksLocal(r.Address, serverNames)) ? RelayVerdict.OpenRelay : RelayVerdict.AcceptedLocal;
    }

    public static string? Describe(RelayVerdict verdict) => verdict switch
    {
        RelayVerdict.DeniedWithoutAuth => "the server does NOT relay for this sender/recipient without authentication (relay test passed)",
        RelayVerdict.DeniedWithAuth => "the server does NOT relay for this sender/recipient, even with authentication",
        RelayVerdict.OpenRelay => "OPEN RELAY: the server accepted a recipient in an outside domain without authentication (relay test failed)",
        RelayVerdict.AcceptedWithAuth => "the server accepts these recipients after authentication",
        RelayVerdict.AcceptedLocal => "the server accepts these recipients without authentication (their domain looks like the server's own)",
        RelayVerdict.RejectedOther => "a recipient was refused for a reason other than relaying",
        _ => null,
    };

    private static string? Domain(string address)
    {
        var at = address.LastIndexOf('@');
        if (at < 0 || at == address.Length - 1)
        {
            return null;
        }

        return address[(at + 1)..].Trim().TrimEnd('>', '.').ToLowerInvariant();
    }
}
