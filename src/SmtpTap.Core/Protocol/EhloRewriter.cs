namespace SmtpTap.Core.Protocol;

/// <summary>
/// Rewrites the server's EHLO reply for the client leg. Everything is relayed as the server sent it except:
/// STARTTLS (offered per the client leg, since the tap terminates TLS on each leg), AUTH (hidden when the
/// client leg may not carry credentials), SASL mechanisms with channel binding (-PLUS cannot survive TLS
/// termination), PIPE_CONNECT (the tap must see the greeting exchange), and REQUIRETLS (only with TLS on
/// both legs and a verified upstream).
/// </summary>
internal static class EhloRewriter
{
    public static EhloRewrite Rewrite(SmtpReply reply, CapabilityPolicy policy)
    {
        if (reply.Code != 250 || reply.Lines.Count == 0)
        {
            return new EhloRewrite(reply, []);
        }

        var changes = new List<string>();
        var lines = new List<string> { reply.Lines[0] };
        var sawStartTls = false;
        var chunking = HasKeyword(reply, "CHUNKING");
        var sawSize = false;
        for (var i = 1; i < reply.Lines.Count; i++)
        {
            var line = reply.Lines[i];
            var keyword = IsAuthLine(line) ? "AUTH" : Keyword(line);
            switch (keyword)
            {
                case "STARTTLS":
                    sawStartTls = true;
                    if (!policy.OfferStartTls)
                    {
                        changes.Add("removed STARTTLS: the client leg is already TLS or may not upgrade");
                    }
                    else
                    {
                        lines.Add(line);
                    }

                    break;
                case "AUTH":
                    if (policy.Auth == AuthAdvertisement.Hide)
                    {
                        changes.Add("removed " + line + ": " + (policy.AuthHiddenReason ?? "AUTH not allowed on this client leg"));
                        break;
                    }

                    var filtered = RemoveChannelBinding(line, out var removed);
                    if (removed.Count > 0)
                    {
                        changes.Add("removed " + string.Join(' ', removed) + ": channel binding cannot survive TLS termination");
                    }

                    if (filtered is not null)
                    {
                        lines.Add(AddBridgeMechanisms(filtered, policy.BridgeAuthMechanisms, changes));
                    }

                    break;
                case "PIPE_CONNECT" or "X_PIPE_CONNECT":
                    changes.Add("removed " + keyword + ": the tap relays the greeting exchange itself");
                    break;
                case "BINARYMIME" when !chunking:
                    changes.Add("removed BINARYMIME: it needs CHUNKING, which the server does not offer");
                    break;
                case "SIZE":
                    sawSize = true;
                    var lowered = LowerSize(line, policy.MaxMessageSize);
                    if (!string.Equals(lowered, line, StringComparison.Ordinal))
                    {
                        changes.Add("changed " + line + " to " + lowered + ": the tap's own message size limit");
                    }

                    lines.Add(lowered);
                    break;
                case "REQUIRETLS" when !policy.AllowRequireTls:
                    changes.Add("removed REQUIRETLS: it needs TLS on both legs with a verified upstream certificate");
                    break;
                default:
                    lines.Add(line);
                    break;
            }
        }

        if (!sawSize && policy.MaxMessageSize > 0)
        {
            lines.Add(LowerSize("SIZE", policy.MaxMessageSize));
            changes.Add("added SIZE " + policy.MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": the tap's own message size limit");
        }

        if (policy.OfferStartTls && !sawStartTls)
        {
            lines.Add("STARTTLS");
            changes.Add("added STARTTLS: the tap offers TLS on the client leg");
        }

        return changes.Count == 0 ? new EhloRewrite(reply, []) : new EhloRewrite(new SmtpReply(250, lines), changes);
    }

    /// <summary>
    /// Which lines a rewrite touched, for the transcript: per line of the server's reply, removed or changed (else
    /// none); per line of the client's reply, added or changed (else none). A line counts as changed when the other
    /// reply has a different line with the same keyword (SIZE lowered, AUTH with mechanisms taken out or added).
    /// </summary>
    public static (Transcript.TranscriptMark[] Server, Transcript.TranscriptMark[] Client) Marks(SmtpReply server, SmtpReply client)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(client);
        return (Compare(server, client, Transcript.TranscriptMark.CapabilityRemoved), Compare(client, server, Transcript.TranscriptMark.CapabilityAdded));
    }

    /// <summary>Per line of <paramref name="reply"/> (the greeting line never counts): none if <paramref name="other"/> has it, changed if it has the keyword, else <paramref name="missing"/>.</summary>
    private static Transcript.TranscriptMark[] Compare(SmtpReply reply, SmtpReply other, Transcript.TranscriptMark missing)
    {
        var otherLines = other.Lines.Skip(1).ToHashSet(StringComparer.Ordinal);
        var otherKeywords = other.Lines.Skip(1).Select(LineKeyword).ToHashSet(StringComparer.Ordinal);
        var marks = new Transcript.TranscriptMark[reply.Lines.Count];
        for (var i = 1; i < reply.Lines.Count; i++)
        {
            var line = reply.Lines[i];
            marks[i] = otherLines.Contains(line) ? Transcript.TranscriptMark.None
                : otherKeywords.Contains(LineKeyword(line)) ? Transcript.TranscriptMark.CapabilityChanged
                : missing;
        }

        return marks;
    }

    private static string LineKeyword(string line) => IsAuthLine(line) ? "AUTH" : Keyword(line);

    /// <summary>With the OAuth2 bridge, an AUTH line that offers XOAUTH2 or OAUTHBEARER also offers PLAIN and LOGIN to the client.</summary>
    private static string AddBridgeMechanisms(string line, IReadOnlyList<string> bridged, List<string> changes)
    {
        if (bridged.Count == 0)
        {
            return line;
        }

        var offered = line[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!offered.Any(m => m.Equals("XOAUTH2", StringComparison.OrdinalIgnoreCase) || m.Equals("OAUTHBEARER", StringComparison.OrdinalIgnoreCase)))
        {
            return line;
        }

        var missing = bridged.Where(b => !offered.Contains(b, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (missing.Length == 0)
        {
            return line;
        }

        changes.Add("added " + string.Join(' ', missing) + " to AUTH: the OAuth2 bridge (--oauth2) takes them from the client and authenticates upstream with OAuth2");
        return line + " " + string.Join(' ', missing);
    }

    /// <summary>Mechanisms listed in the server's AUTH line (first line wins if repeated), upper-cased.</summary>
    public static IReadOnlyList<string> AuthMechanisms(SmtpReply reply)
    {
        if (reply.Code != 250)
        {
            return [];
        }

        for (var i = 1; i < reply.Lines.Count; i++)
        {
            var line = reply.Lines[i];
            if (IsAuthLine(line))
            {
                return line[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(m => m.ToUpperInvariant()).ToArray();
            }
        }

        return [];
    }

    /// <summary>True if the EHLO reply lists the keyword (case-insensitive, first word of a line).</summary>
    public static bool HasKeyword(SmtpReply reply, string keyword)
    {
        for (var i = 1; i < reply.Lines.Count; i++)
        {
            if (string.Equals(Keyword(reply.Lines[i]), keyword, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string LowerSize(string line, long own)
    {
        if (own <= 0)
        {
            return line;
        }

        var server = MessageSize.Advertised(new SmtpReply(250, ["x", line]));
        return server > 0 && server <= own ? line : "SIZE " + own.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsAuthLine(string line) =>
        line.Length > 4 && line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) && (line[4] == ' ' || line[4] == '=');

    private static string Keyword(string line)
    {
        var end = line.IndexOf(' ', StringComparison.Ordinal);
        var word = end < 0 ? line : line[..end];
        return word.ToUpperInvariant();
    }

    private static string? RemoveChannelBinding(string line, out List<string> removed)
    {
        removed = [];
        var prefix = line[..5];
        var mechanisms = line[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var kept = new List<string>(mechanisms.Length);
        foreach (var mechanism in mechanisms)
        {
            if (mechanism.EndsWith("-PLUS", StringComparison.OrdinalIgnoreCase))
            {
                removed.Add(mechanism);
            }
            else
            {
                kept.Add(mechanism);
            }
        }

        if (removed.Count == 0)
        {
            return line;
        }

        return kept.Count == 0 ? null : prefix + string.Join(' ', kept);
    }
}
