using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The protocol decisions of <c>--inject-auth ACCOUNT</c> for one session, without sockets (the pump executes them):
/// <list type="bullet">
/// <item>The tap authenticates upstream once per session, just before relaying the client's first MAIL FROM (after
/// the client's EHLO and any STARTTLS, so on the final upstream leg). A session without EHLO gets the tap's own EHLO
/// first: AUTH needs ESMTP.</item>
/// <item>A client that is not on this machine is refused at MAIL with <c>530 5.7.0</c> unless the tap was started with
/// <c>--inject-auth-allow-remote</c>: the server never sees AUTH or MAIL from it.</item>
/// <item>No credentials (a refresh refused, no tokens yet), a server that refuses them, or a plaintext upstream leg to
/// another host without <c>--allow-plain-auth</c>: the client gets <c>454 4.7.0</c> (try later) and the transcript one
/// line naming the step and the command that fixes it. A later MAIL tries again.</item>
/// <item>The client's own AUTH gets <c>503 5.5.1</c>: the session is authenticated by the tap (AUTH is not offered).</item>
/// </list>
/// </summary>
internal sealed class InjectAuthPolicy(string account, bool clientAdmitted, string client)
{
    private string _mechanism = "AUTH";

    /// <summary>The tap's AUTH succeeded in this session: MAIL is relayed as it is.</summary>
    public bool Authenticated { get; private set; }

    public static bool Admits(System.Net.IPAddress? client, Hosting.InjectAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AllowRemote || (client is not null && options.IsLocalClient(client));
    }

    public InjectAction OnClientAuth() => InjectAction.Refuse(
        503,
        $"5.5.1 smtptap: already authenticated by the tap (account '{account}', --inject-auth); send no AUTH",
        $"AUTH from the client not used: the tap authenticates this session upstream itself as account '{account}' (--inject-auth); the server never saw the client's AUTH");

    /// <param name="ehloSent">The server has seen an EHLO in this session (the client's or the tap's).</param>
    /// <param name="upstreamMayCarryCredentials">The upstream leg is TLS, or goes to this machine, or --allow-plain-auth.</param>
    public InjectAction OnMail(bool ehloSent, bool upstreamMayCarryCredentials)
    {
        if (!clientAdmitted)
        {
            return InjectAction.Refuse(
                530,
                "5.7.0 Authentication required (smtptap: --inject-auth serves only clients on this machine)",
                $"MAIL refused: --inject-auth serves loopback clients only and {client} is not on loopback; the server never saw AUTH or MAIL from it (fix: start the tap with --inject-auth-allow-remote to serve it)");
        }

        if (Authenticated)
        {
            return InjectAction.Relay;
        }

        if (!upstreamMayCarryCredentials)
        {
            return Failure("checking the upstream leg", "the upstream leg is plaintext to a non-loopback host", "use an upstream with TLS, or add --allow-plain-auth");
        }

        return ehloSent ? InjectAction.GetCredentials : InjectAction.Greet;
    }

    /// <summary>The reply to the tap's own EHLO.</summary>
    public InjectAction OnGreeted(SmtpReply? reply) =>
        reply?.Code == 250
            ? InjectAction.GetCredentials
            : Failure("greeting the server with EHLO", reply is null ? "the server did not answer" : $"the server answered {reply.Code} {reply.FirstLine}", "check the upstream server (smtptap probe)");

    /// <summary>What the injector answered.</summary>
    public InjectAction OnCredentials(BridgeDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        switch (decision.Outcome)
        {
            case BridgeOutcome.Bridged:
                _mechanism = decision.Mechanism!;
                return InjectAction.Authenticate;
            case BridgeOutcome.Failed:
                return Failure(decision.Step ?? "getting credentials", decision.Reason ?? "no credentials", decision.FixCommand ?? "smtptap account login " + account);
            default:
                return Failure("opening the account", "the app password given at start no longer opens it", $"restart the tap with the current app password (or smtptap account login {account})");
        }
    }

    /// <summary>The server's verdict on the tap's AUTH: null when the upstream was lost; a 334 when it would not end the exchange.</summary>
    public InjectAction OnServerVerdict(SmtpReply? reply)
    {
        if (reply?.Code == 235)
        {
            Authenticated = true;
            return InjectAction.Relay;
        }

        var why = reply switch
        {
            null => "the upstream connection was lost",
            { Code: 334 } => $"the server did not end the {_mechanism} exchange",
            _ => $"the server refused {_mechanism} with {reply.Code} {reply.FirstLine}",
        };
        return Failure("authenticating to the server", why, $"smtptap account test {account} --server URL (and smtptap account login {account} if the credentials are stale)");
    }

    /// <summary>The transcript line after credentials were obtained, e.g. <c>AUTH injected: account crm -> server XOAUTH2, token for U from cache, expires 14:03:10Z</c>.</summary>
    public static string InjectedLine(BridgeDecision decision, string shownUser)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return $"AUTH injected: account {decision.Account} -> server {decision.Mechanism}, {AuthBridgeExchange.Credential(decision, shownUser)}";
    }

    private InjectAction Failure(string step, string reason, string fix) => InjectAction.Refuse(
        454,
        $"4.7.0 Temporary authentication failure (smtptap: could not authenticate as account '{account}'; the tap's log says why)",
        $"AUTH injection failed for account '{account}' at step '{step}': {reason}; MAIL not relayed; fix: {fix}");
}
