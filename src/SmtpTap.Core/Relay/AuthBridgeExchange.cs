using System.Security.Cryptography;
using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The client side of credential bridging (<see cref="Hosting.TapOptions.AuthBridge"/>): the tap answers AUTH PLAIN and LOGIN
/// itself, decodes user and password, and asks the bridge. No account: the client's exchange is replayed upstream line by
/// line, unchanged. Wrong app password: 535 from the tap. No token: 454 and one transcript line with the fix. Bridged:
/// the tap authenticates upstream with the OAuth2 mechanism and the client gets the server's verdict. One instance per
/// session; one exchange at a time.
/// </summary>
internal sealed class AuthBridgeExchange(SessionContext context, IAuthBridge bridge, ClientPump pump)
{
    /// <summary>The mechanisms the tap takes from clients when bridging.</summary>
    public static readonly IReadOnlyList<string> ClientMechanisms = ["PLAIN", "LOGIN"];

    private const string P = SaslMask.Placeholder;
    private readonly List<byte[]> _lines = [];
    private ISaslDescriber _describer = null!;
    private Awaiting _awaiting;
    private bool _hasIr;
    private string? _loginUser;
    private bool _loginUserInvalid;

    private enum Awaiting
    {
        Nothing,
        PlainResponse,
        LoginUser,
        LoginPassword,
    }

    /// <summary>True while the tap itself is in the middle of the client's exchange (it sent a 334 and waits for a line).</summary>
    public bool Active => _awaiting != Awaiting.Nothing;

    private SessionTranscript Transcript => context.Transcript;

    public static bool Handles(string mechanism) => mechanism is "PLAIN" or "LOGIN";

    /// <summary>
    /// Takes a client <c>AUTH PLAIN</c> or <c>AUTH LOGIN</c> (already shown in the transcript). False when it is not for the
    /// bridge after all (PLAIN with an initial response that is malformed or whose user has no account): the caller relays it as usual.
    /// </summary>
    public async Task<bool> BeginAsync(byte[] line, ISaslDescriber describer, ReadOnlyMemory<byte> initialResponse, bool hasIr, CancellationToken cancellationToken)
    {
        _describer = describer;
        _hasIr = hasIr;
        _lines.Clear();
        _lines.Add(line);
        _loginUser = null;
        _loginUserInvalid = false;
        context.SaslPayloads.Clear();
        if (describer.Mechanism == "PLAIN")
        {
            if (!hasIr)
            {
                return await PromptAsync(Awaiting.PlainResponse, string.Empty, cancellationToken);
            }

            if (!TryDecodePlain(initialResponse.Span, out var user, out var password))
            {
                return false;
            }

            var decision = await AskAsync(user, password, cancellationToken);
            if (decision.Outcome == BridgeOutcome.NotBridged)
            {
                NotBridgedNote(user);
                return false;
            }

            Remember(initialResponse.Span);
            await ApplyAsync(decision, user, cancellationToken);
            return true;
        }

        if (!hasIr)
        {
            return await PromptAsync(Awaiting.LoginUser, "VXNlcm5hbWU6", cancellationToken);
        }

        Remember(initialResponse.Span);
        TakeLoginUser(initialResponse.Span);
        return await PromptAsync(Awaiting.LoginPassword, "UGFzc3dvcmQ6", cancellationToken);
    }

    /// <summary>A client line while <see cref="Active"/>: the next SASL response of the exchange the tap answers.</summary>
    public async Task ContinueAsync(byte[] line, CancellationToken cancellationToken)
    {
        var content = line.AsMemory(0, line.Length - 2);
        Transcript.Line(TranscriptDirection.ClientToTap, _describer.DescribeClient(content.Span, isInitialResponse: false));
        if (content.Length == 1 && content.Span[0] == (byte)'*')
        {
            Abandon();
            await pump.ReplyLocallyAsync(SmtpReply.Single(501, "5.7.0 Authentication aborted"), cancellationToken);
            return;
        }

        _lines.Add(line);
        Remember(content.Span);
        var awaiting = _awaiting;
        _awaiting = Awaiting.Nothing;
        switch (awaiting)
        {
            case Awaiting.PlainResponse:
                if (TryDecodePlain(content.Span, out var user, out var password))
                {
                    await DecideAsync(user, password, cancellationToken);
                }
                else
                {
                    await ReplayAsync("the PLAIN response is not user and password in valid base64", cancellationToken);
                }

                break;
            case Awaiting.LoginUser:
                TakeLoginUser(content.Span);
                await PromptAsync(Awaiting.LoginPassword, "UGFzc3dvcmQ6", cancellationToken);
                break;
            default:
                if (!_loginUserInvalid && _loginUser is not null && TryDecodeText(content.Span, out var loginPassword))
                {
                    await DecideAsync(_loginUser, loginPassword, cancellationToken);
                }
                else
                {
                    await ReplayAsync("the LOGIN user name or password is not valid base64", cancellationToken);
                }

                break;
        }
    }

    /// <summary>Ends the local exchange without a word upstream (the server never saw it); the caller answers the client.</summary>
    public void Abandon()
    {
        _awaiting = Awaiting.Nothing;
        _lines.Clear();
        context.Sasl = null;
        context.SaslPayloads.Clear();
    }

    private async Task<bool> PromptAsync(Awaiting next, string challenge, CancellationToken cancellationToken)
    {
        _awaiting = next;
        context.Sasl = _describer;
        await pump.ReplyLocallyAsync(SmtpReply.Single(334, challenge), cancellationToken);
        return true;
    }

    private async Task DecideAsync(string user, string password, CancellationToken cancellationToken)
    {
        var decision = await AskAsync(user, password, cancellationToken);
        if (decision.Outcome == BridgeOutcome.NotBridged)
        {
            NotBridgedNote(user);
            await ReplayAsync(null, cancellationToken);
            return;
        }

        await ApplyAsync(decision, user, cancellationToken);
    }

    private async Task<BridgeDecision> AskAsync(string user, string password, CancellationToken cancellationToken)
    {
        try
        {
            return await bridge.TryBridgeAsync(user, password, context.UpstreamAuthMechanisms, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return BridgeDecision.Failed("(unknown)", "the credential bridge", ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" "), "see the tap's log");
        }
    }

    private void NotBridgedNote(string user) =>
        Transcript.Events.Information("{AuthBridge:l}", $"AUTH not bridged: {Shown(user)} has no account; the client's AUTH {_describer.Mechanism} goes to the server unchanged");

    private async Task ApplyAsync(BridgeDecision decision, string user, CancellationToken cancellationToken)
    {
        _awaiting = Awaiting.Nothing;
        _lines.Clear();
        var client = _describer.Mechanism;
        switch (decision.Outcome)
        {
            case BridgeOutcome.WrongPassword:
                Abandon();
                TapMetrics.Auth(client, succeeded: false);
                Transcript.Warning($"AUTH refused by the tap: wrong app password for account '{decision.Account}' (client {client} as {Shown(user)}); neither the server nor the identity provider was contacted");
                await pump.ReplyLocallyAsync(SmtpReply.Single(535, "5.7.8 Authentication credentials invalid (smtptap: wrong app password)"), cancellationToken);
                return;
            case BridgeOutcome.Failed:
                Abandon();
                TapMetrics.Auth(client, succeeded: false);
                Transcript.Warning($"AUTH bridge failed for {Shown(user)} (account '{decision.Account}') at step '{decision.Step}': {decision.Reason}; fix: {decision.FixCommand}");
                await pump.ReplyLocallyAsync(SmtpReply.Single(454, "4.7.0 Temporary authentication failure (smtptap: no upstream credentials for this account now; the tap's log says why)"), cancellationToken);
                return;
            default:
                await AuthenticateUpstreamAsync(decision, client, user, cancellationToken);
                return;
        }
    }

    private async Task AuthenticateUpstreamAsync(BridgeDecision decision, string client, string user, CancellationToken cancellationToken)
    {
        var dialog = new UpstreamAuthDialog(decision, context.MaskOptions);
        Transcript.Events.Information("{AuthBridge:l}", $"AUTH bridged: client {client} as {Shown(user)} (app password ok) -> server {dialog.Mechanism}, {Credential(decision, Shown(user))}");
        var reply = await UpstreamAuthRunner.RunAsync(context, pump, dialog, PendingKind.TapAuth, cancellationToken);
        if (reply?.Code == 334)
        {
            await pump.ReplyLocallyAsync(SmtpReply.Single(454, $"4.7.0 Temporary authentication failure (smtptap: the server did not end the {dialog.Mechanism} exchange)"), cancellationToken);
        }
    }

    /// <summary>What the tap authenticates upstream with, for the transcript: never a secret.</summary>
    internal static string Credential(BridgeDecision decision, string shownUser) =>
        decision.UsesStoredPassword
            ? $"stored password of account '{decision.Account}'"
            : $"token for {shownUser} {decision.Note}";

    /// <summary>Sends the client's lines upstream as the client sent them; every 334 but the last one's is answered by the next line.</summary>
    private async Task ReplayAsync(string? why, CancellationToken cancellationToken)
    {
        _awaiting = Awaiting.Nothing;
        if (why is not null)
        {
            Transcript.Events.Information("{AuthBridge:l}", $"AUTH not bridged: {why}; the client's AUTH {_describer.Mechanism} goes to the server unchanged");
        }

        context.Sasl = SaslDescriberFactory.Create(_describer.Mechanism, context.MaskOptions);
        var lines = _lines.ToArray();
        _lines.Clear();
        for (var i = 0; i < lines.Length; i++)
        {
            var last = i == lines.Length - 1;
            Transcript.Line(TranscriptDirection.TapToServer, i == 0 ? "AUTH " + _describer.Mechanism + (_hasIr ? " " + P : string.Empty) : P);
            var kind = !last ? PendingKind.TapAuth : i == 0 ? PendingKind.Auth : PendingKind.AuthResponse;
            var reply = await pump.ForwardAndWaitAsync(kind, lines[i], cancellationToken);
            if (!last && reply?.Code != 334)
            {
                Transcript.Warning("The server ended the AUTH exchange before the client's last line; the rest is not sent");
                return;
            }
        }
    }

    private void TakeLoginUser(ReadOnlySpan<byte> line)
    {
        _loginUserInvalid = !TryDecodeText(line, out var user) || user.Length == 0;
        _loginUser = _loginUserInvalid ? null : user;
    }

    private void Remember(ReadOnlySpan<byte> payload)
    {
        if (payload.Length >= 4)
        {
            context.SaslPayloads.Add(Encoding.Latin1.GetString(payload));
        }
    }

    private string Shown(string user) => SaslText.Identity(user, context.MaskOptions);

    /// <summary>PLAIN <c>[authzid] NUL authcid NUL passwd</c>; bridged only with no authzid or one equal to authcid.</summary>
    internal static bool TryDecodePlain(ReadOnlySpan<byte> base64, out string user, out string password)
    {
        user = password = string.Empty;
        if (!StrictBase64.TryDecode(base64, out var bytes))
        {
            return false;
        }

        try
        {
            var span = bytes.AsSpan();
            var first = span.IndexOf((byte)0);
            if (first < 0)
            {
                return false;
            }

            var rest = span[(first + 1)..];
            var second = rest.IndexOf((byte)0);
            if (second <= 0 || rest[(second + 1)..].Contains((byte)0) || rest.Length == second + 1)
            {
                return false;
            }

            var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
            var authzid = utf8.GetString(span[..first]);
            user = utf8.GetString(rest[..second]);
            password = utf8.GetString(rest[(second + 1)..]);
            return authzid.Length == 0 || string.Equals(authzid, user, StringComparison.OrdinalIgnoreCase);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static bool TryDecodeText(ReadOnlySpan<byte> base64, out string text)
    {
        text = string.Empty;
        if (!StrictBase64.TryDecode(base64, out var bytes))
        {
            return false;
        }

        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return !text.Contains('\0', StringComparison.Ordinal);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
