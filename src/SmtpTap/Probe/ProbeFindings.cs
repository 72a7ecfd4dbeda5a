using System.Globalization;

namespace SmtpTap.Probe;

/// <summary>Derives the summary lines from a report: one finding per area, OK / WARN / FAIL.</summary>
internal static class ProbeFindings
{
    public static IReadOnlyList<Finding> From(ProbeReport report, string host, bool strictExpiry)
    {
        ArgumentNullException.ThrowIfNull(report);
        var findings = new List<Finding>();
        var error = report.Error;
        if (report.Banner is not null)
        {
            findings.Add(new(FindingSeverity.Ok, "connect", $"connected to {report.ConnectedTo ?? report.Target}; banner: {report.Banner}"));
        }

        if (error is { Kind: ProbeFailureKind.Connection })
        {
            findings.Add(new(FindingSeverity.Fail, "connect", error.Message));
            return findings;
        }

        AddTls(findings, report, host, strictExpiry);
        AddAuth(findings, report);
        AddMessage(findings, report);
        return findings;
    }

    private static void AddTls(List<Finding> findings, ProbeReport report, string host, bool strictExpiry)
    {
        var error = report.Error;
        if (error is { Kind: ProbeFailureKind.Tls })
        {
            findings.Add(new(FindingSeverity.Fail, "tls", error.Message));
        }
        else if (report.Tls is { Protocol: not null } tls)
        {
            findings.Add(new(FindingSeverity.Ok, "tls", $"{tls.Protocol}, {tls.Cipher} ({tls.Mode})"));
        }
        else if (report.PlaintextReason is { } reason)
        {
            findings.Add(new(FindingSeverity.Warn, "tls", reason));
        }

        if (report.Tls is not { } cert || cert.Chain.Count == 0 && error is not { Kind: ProbeFailureKind.Certificate })
        {
            return;
        }

        var problems = TlsVerdict.Problems(cert, host);
        if (problems.Count == 0)
        {
            findings.Add(new(FindingSeverity.Ok, "certificate", TlsVerdict.Good(cert)));
        }
        else
        {
            var suffix = cert.AcceptedInsecurely ? " (went on because of --insecure)" : string.Empty;
            findings.AddRange(problems.Select(p => new Finding(FindingSeverity.Fail, "certificate", p + suffix)));
        }

        if (cert.ExpiresSoon)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"the certificate expires in {cert.DaysLeft} days (on {cert.Chain[0].NotAfter:yyyy-MM-dd}); renew it");
            findings.Add(new(strictExpiry ? FindingSeverity.Fail : FindingSeverity.Warn, "certificate", text));
        }
    }

    private static void AddAuth(List<Finding> findings, ProbeReport report)
    {
        if (report.Auth is { } auth)
        {
            var who = auth.User is null ? string.Empty : " as " + auth.User;
            findings.Add(auth.Success
                ? new(FindingSeverity.Ok, "auth", $"AUTH {auth.Mechanism}{who} succeeded ({auth.Reply})")
                : new(FindingSeverity.Fail, "auth", $"AUTH {auth.Mechanism ?? "(no mechanism)"}{who}: {auth.Explanation}"));
        }
    }

    private static void AddMessage(List<Finding> findings, ProbeReport report)
    {
        if (report.Message is not { } message)
        {
            return;
        }

        if (!message.Accepted && message.RelayVerdict == RelayVerdict.DeniedWithoutAuth)
        {
            // The relay test: refusing to relay to an outside domain without AUTH is what a server should do.
            findings.Add(new(FindingSeverity.Ok, "relay", $"{message.RelayText}: {message.Reply}"));
            return;
        }

        if (message.Accepted)
        {
            var id = message.QueueId is null ? "reply: " + message.Reply : "queue id " + message.QueueId;
            findings.Add(new(FindingSeverity.Ok, "message", "message accepted, " + id));
        }
        else
        {
            var meaning = message.Explanation is null ? string.Empty : " — " + message.Explanation;
            findings.Add(new(FindingSeverity.Fail, "message", $"message refused at {message.Stage}: {message.Reply}{meaning}"));
        }

        if (message.RelayText is { } relay)
        {
            var severity = message.RelayVerdict switch
            {
                RelayVerdict.OpenRelay or RelayVerdict.DeniedWithAuth or RelayVerdict.RejectedOther => FindingSeverity.Fail,
                _ => FindingSeverity.Ok,
            };
            findings.Add(new(severity, "relay", relay));
        }
    }
}
