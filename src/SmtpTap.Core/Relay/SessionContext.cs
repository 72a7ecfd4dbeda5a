using System.Net;
using SmtpTap.Certificates;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>State shared by the two pumps of one session. Only the client pump changes the client-leg facts.</summary>
internal sealed class SessionContext
{
    public SessionContext(TapOptions options, ListenerEndpoint listener, SmtpConnection client, UpstreamSetup upstream, SessionTranscript transcript, IServerCertificateSource certificates)
    {
        Options = options;
        Listener = listener;
        Client = client;
        Upstream = upstream.Connection!;
        Upstream.WriteTimeout = options.Limits.DataBlockTimeout;
        _upstreamPreambleBytes = Upstream.BytesWritten;
        UpstreamSetup = upstream;
        Transcript = transcript;
        Certificates = certificates;
        ClientIsLoopback = client.RemoteEndPoint is IPEndPoint c && options.IsLocalAddress(c.Address);
        UpstreamIsLoopback = Upstream.RemoteEndPoint is IPEndPoint u && options.IsLocalAddress(u.Address);
    }

    public TapOptions Options { get; }

    public ListenerEndpoint Listener { get; }

    /// <summary>The tap's own upstream AUTH (--inject-auth) when it applies to this session's listener, else null.</summary>
    public InjectAuthOptions? InjectAuth => Options.InjectAuth is { } inject && InjectAuthOptions.AppliesTo(Listener, Options.Listeners) ? inject : null;

    public SmtpConnection Client { get; }

    public SmtpConnection Upstream { get; }

    public UpstreamSetup UpstreamSetup { get; }

    public SessionTranscript Transcript { get; }

    public IServerCertificateSource Certificates { get; }

    public PendingReplies Pending { get; } = new();

    /// <summary>The envelope of the transaction in progress (client pump only), for the message records.</summary>
    public MessageEnvelope Envelope { get; } = new();

    /// <summary>
    /// Fires when the tap stops gracefully: the client pump answers 421 4.3.2 the next time it waits for a command,
    /// so a message in progress is finished (and its reply delivered) first.
    /// </summary>
    public CancellationToken Stopping { get; init; }

    public bool ClientIsLoopback { get; }

    public bool UpstreamIsLoopback { get; }

    /// <summary>The describer of the AUTH exchange in progress, if any.</summary>
    public ISaslDescriber? Sasl { get; set; }

    /// <summary>The client's raw SASL payloads of the exchange in progress, kept only to mask a server reply that echoes them; never logged.</summary>
    public List<string> SaslPayloads { get; } = [];

    /// <summary>Client lines the transcript masked outside an AUTH exchange (the last few), so a server reply that quotes one is masked too; never logged.</summary>
    public List<string> MaskedLines { get; } = [];

    public void RememberMaskedLine(ReadOnlySpan<byte> content)
    {
        var text = System.Text.Encoding.Latin1.GetString(content).Trim(' ', '\t');
        if (text.Length < 4)
        {
            return;
        }

        lock (MaskedLines)
        {
            if (MaskedLines.Count >= 16)
            {
                MaskedLines.RemoveAt(0);
            }

            MaskedLines.Add(text);
        }
    }

    public SaslMaskOptions MaskOptions => new() { MaskUsernames = Options.MaskUsernames };

    public int MessagesRelayed;

    /// <summary>Octets the tap wrote upstream on its own while relaying (the "*" that cancels an over-long AUTH exchange).</summary>
    public long TapBytesToServer;

    private readonly long _upstreamPreambleBytes;

    /// <summary>Octets of the client's own relayed to the server: the tap's EHLO/STARTTLS preamble and its own commands are not counted.</summary>
    public long BytesRelayedToServer => Upstream.BytesWritten - _upstreamPreambleBytes - Interlocked.Read(ref TapBytesToServer);

    private int _upstreamLossAnswered;

    /// <summary>True while the client pump streams message content (DATA after 354, or a BDAT chunk).</summary>
    public bool InMessage { get; set; }

    /// <summary>Set by the server pump when the upstream connection failed or closed.</summary>
    public bool UpstreamLost { get; set; }

    /// <summary>Only one pump tells the client that the upstream was lost; true for the first caller.</summary>
    public bool ClaimUpstreamLossAnswer() => Interlocked.Exchange(ref _upstreamLossAnswered, 1) == 0;

    /// <summary>True once a pump has told the client that the upstream was lost.</summary>
    public bool UpstreamLossAnswered => Volatile.Read(ref _upstreamLossAnswered) == 1;

    /// <summary>True while a BDAT chunk is only partly relayed: the server cannot have the whole message yet.</summary>
    public bool ChunkInFlight { get; set; }

    public int MessagesAccepted;

    public bool UpstreamIsTls => Upstream.IsTls;

    /// <summary>The server's last EHLO offered CHUNKING (RFC 3030); BDAT is refused otherwise.</summary>
    public bool UpstreamChunking { get; set; }

    /// <summary>The SASL mechanisms of the server's last EHLO reply to the client's EHLO (before the rewrite), upper-cased.</summary>
    public IReadOnlyList<string> UpstreamAuthMechanisms { get; set; } = [];

    /// <summary>The fixed SIZE maximum of the server's last EHLO (0: none).</summary>
    public long UpstreamMaxSize { get; set; }

    /// <summary>The message size limit the tap enforces: the smaller of its own and the server's (0: none).</summary>
    public long MaxMessageSize => MessageSize.Effective(Options.Limits.MaxMessageSize, UpstreamMaxSize);

    /// <summary>
    /// --upstream-tls auto met a non-loopback server that does not offer STARTTLS: the upstream leg is plaintext,
    /// so the tap does not let the client believe the path is encrypted (no STARTTLS, no implicit TLS session).
    /// </summary>
    public bool UpstreamTlsStripped => UpstreamSetup.TlsNotOffered && !UpstreamIsLoopback;

    private int _commandErrors;

    /// <summary>Counts a 5xx answer to a command; true once the session reached the error cap.</summary>
    public bool CountCommandError() => Interlocked.Increment(ref _commandErrors) >= Options.Limits.MaxCommandErrors;

    /// <summary>Whether credentials may cross the upstream leg: TLS, loopback, or --allow-plain-auth.</summary>
    public bool UpstreamMayCarryCredentials => UpstreamIsTls || UpstreamIsLoopback || Options.AllowPlainAuth;

    /// <summary>Whether the client may carry credentials now, and if not, why and with which reply.</summary>
    public (AuthAdvertisement Advertisement, string? Reason, SmtpReply? Refusal) AuthPolicy()
    {
        if (!UpstreamMayCarryCredentials)
        {
            const string why = "the upstream leg is plaintext to a non-loopback host (use --allow-plain-auth to permit it)";
            return (AuthAdvertisement.Hide, why, SmtpReply.Single(538, "5.7.11 smtptap: AUTH refused: " + why));
        }

        if (!Client.IsTls && !ClientIsLoopback && UpstreamIsTls && (UpstreamSetup.PlaintextAuthMechanisms is null || UpstreamSetup.PlaintextAuthMechanisms.Count == 0))
        {
            const string why = "the server offers AUTH only over TLS, so the tap does too for a non-loopback client: STARTTLS first";
            return (AuthAdvertisement.Hide, why, SmtpReply.Single(530, "5.7.0 Must issue a STARTTLS command first"));
        }

        return (AuthAdvertisement.Relay, null, null);
    }

    /// <summary>
    /// Whether the client leg offers STARTTLS, given whether the server's own EHLO reply lists it. By default the tap
    /// mirrors the server: offered when the server offered STARTTLS (the tap used it upstream, or relays the keyword) or
    /// is the capture server; not offered when the server offers none (a plain server, or implicit TLS, where a client
    /// uses an smtps:// listener), so an app that upgrades whenever STARTTLS is offered behaves as it does directly.
    /// </summary>
    /// <summary>The server's last EHLO reply listed STARTTLS itself (the tap did not use it: --upstream-tls never).</summary>
    public bool ServerListedStartTls { get; set; }

    public bool OfferClientStartTls(bool serverListsStartTls)
    {
        if (Client.IsTls || Listener.ImplicitTls || UpstreamTlsStripped)
        {
            return false;
        }

        return Options.ClientStartTls switch
        {
            ClientStartTlsPolicy.Always => true,
            ClientStartTlsPolicy.Never => false,
            _ => (UpstreamIsTls && !Options.Upstream.ImplicitTls) || serverListsStartTls || Options.Upstream.Kind == UpstreamKind.Capture,
        };
    }

    public CapabilityPolicy CapabilityPolicy(bool serverListsStartTls = false)
    {
        var (advertisement, reason, _) = AuthPolicy();
        if (InjectAuth is not null)
        {
            (advertisement, reason) = (AuthAdvertisement.Hide, "the tap authenticates upstream itself (--inject-auth)");
        }

        return new CapabilityPolicy
        {
            OfferStartTls = OfferClientStartTls(serverListsStartTls),
            Auth = advertisement,
            AuthHiddenReason = reason,
            AllowRequireTls = Client.IsTls && UpstreamSetup.CertificateVerified,
            MaxMessageSize = Options.Limits.MaxMessageSize,
            BridgeAuthMechanisms = Options.AuthBridge is null || InjectAuth is not null ? [] : AuthBridgeExchange.ClientMechanisms,
        };
    }
}
