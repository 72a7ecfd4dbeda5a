using System.Net;
using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Executes the <see cref="InjectAuthPolicy"/> of one session on an <c>--inject-auth</c> listener: asks the injector for
/// credentials and moves the tap's own EHLO and AUTH lines. Every decision is the policy's. One instance per session.
/// </summary>
internal sealed class AuthInjection
{
    private readonly SessionContext _context;
    private readonly InjectAuthOptions _options;
    private readonly ClientPump _pump;
    private readonly InjectAuthPolicy _policy;

    public AuthInjection(SessionContext context, InjectAuthOptions options, ClientPump pump)
    {
        _context = context;
        _options = options;
        _pump = pump;
        var address = (context.Client.RemoteEndPoint as IPEndPoint)?.Address;
        _policy = new InjectAuthPolicy(options.Injector.Account, InjectAuthPolicy.Admits(address, options), "the client " + (address?.ToString() ?? "(unknown address)"));
    }

    /// <summary>The server saw an EHLO in this session (the client's or the tap's own).</summary>
    public bool EhloSent { get; set; }

    private SessionTranscript Transcript => _context.Transcript;

    /// <summary>The client sent AUTH: the refusal to send it (the caller answers and ends the exchange).</summary>
    public InjectAction ClientAuth()
    {
        var action = _policy.OnClientAuth();
        Transcript.Warning(action.Why!);
        return action;
    }

    /// <summary>Before the client's MAIL is relayed: null to relay it, or the reply the client gets instead.</summary>
    public async Task<SmtpReply?> BeforeMailAsync(CancellationToken cancellationToken)
    {
        // Every earlier command's reply first: the tap's AUTH must follow the EHLO reply it depends on.
        await _context.Upstream.FlushAsync(cancellationToken);
        await _context.Pending.WhenEmptyAsync(cancellationToken);
        var action = _policy.OnMail(EhloSent, _context.UpstreamMayCarryCredentials);
        if (action.Kind == InjectActionKind.Greet)
        {
            action = _policy.OnGreeted(await GreetAsync(cancellationToken));
        }

        BridgeDecision? decision = null;
        if (action.Kind == InjectActionKind.GetCredentials)
        {
            decision = await GetCredentialsAsync(cancellationToken);
            action = _policy.OnCredentials(decision);
        }

        if (action.Kind == InjectActionKind.Authenticate)
        {
            Transcript.Events.Information("{AuthInjected:l}", InjectAuthPolicy.InjectedLine(decision!, SaslText.Identity(decision!.UpstreamUser ?? _options.Injector.User, _context.MaskOptions)));
            var dialog = new UpstreamAuthDialog(decision, _context.MaskOptions);
            var reply = await UpstreamAuthRunner.RunAsync(_context, _pump, dialog, PendingKind.TapInject, cancellationToken);
            _context.Sasl = null;
            _context.SaslPayloads.Clear();
            action = _policy.OnServerVerdict(reply);
        }

        if (action.Kind != InjectActionKind.Refuse)
        {
            return null;
        }

        Transcript.Warning(action.Why!);
        return action.Reply;
    }

    private async Task<BridgeDecision> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _options.Injector.GetAsync(_context.UpstreamAuthMechanisms, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return BridgeDecision.Failed(_options.Injector.Account, "getting credentials", ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" "), "see the tap's log");
        }
    }

    private async Task<SmtpReply?> GreetAsync(CancellationToken cancellationToken)
    {
        var line = "EHLO " + _context.Options.EhloName;
        Transcript.Events.Information("{AuthInjected:l}", "AUTH injection: the client sent no EHLO, so the tap greets the server itself (AUTH needs ESMTP)");
        Transcript.Line(TranscriptDirection.TapToServer, line);
        Interlocked.Add(ref _context.TapBytesToServer, line.Length + 2);
        var reply = await _pump.ForwardAndWaitAsync(PendingKind.TapEhlo, Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);
        EhloSent = reply?.Code == 250;
        return reply;
    }
}
