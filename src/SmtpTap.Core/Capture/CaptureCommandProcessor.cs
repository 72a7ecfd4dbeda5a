using System.Text;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Protocol;

namespace SmtpTap.Core.Capture;

/// <summary>
/// The capture server's SMTP state machine: pure, no I/O. Given the session state and one command line
/// (without CRLF) it returns the reply, the next state and what the pump must do next.
/// </summary>
internal sealed class CaptureCommandProcessor
{
    public const int MaxRecipients = 1000;

    private readonly CaptureServerOptions _options;
    private readonly SaslContext _sasl;
    private readonly MailCommandHandler _mail;

    public CaptureCommandProcessor(CaptureServerOptions options, TimeProvider? timeProvider = null, Action<Span<byte>>? fillRandom = null)
    {
        _options = options;
        _sasl = new SaslContext(options.Credentials, options.HostName, timeProvider ?? TimeProvider.System, fillRandom);
        _mail = new MailCommandHandler(options);
    }

    public SmtpReply Greeting => CaptureReplies.Greeting(_options.HostName);

    private bool TlsAvailable => _options.Certificates is not null && !_options.ImplicitTls;

    public CaptureStep Process(CaptureSessionState state, string line)
    {
        if (state.PendingAuth is not null)
        {
            return ContinueAuth(state, state.PendingAuth, line);
        }

        // The verb and its arguments as the relay (and Postfix) read them: words separated by runs of SP/HTAB, any case.
        var content = Encoding.UTF8.GetBytes(line);
        var arguments = Encoding.UTF8.GetString(SmtpCommandLine.Arguments(content));
        return SmtpCommandLine.GetVerb(content) switch
        {
            SmtpVerb.Ehlo => Hello(state, arguments, extended: true),
            SmtpVerb.Helo => Hello(state, arguments, extended: false),
            SmtpVerb.StartTls => StartTls(state, arguments),
            SmtpVerb.Auth => Auth(state, content),
            SmtpVerb.Mail => _mail.Mail(state, arguments),
            SmtpVerb.Rcpt => _mail.Recipient(state, arguments),
            SmtpVerb.Data => MailCommandHandler.Data(state, arguments),
            SmtpVerb.Bdat => _mail.Bdat(state, content),
            SmtpVerb.Rset => arguments.Length > 0
                ? Reply(state, CaptureReplies.Syntax("RSET"))
                : Reply(state with { Transaction = null }, CaptureReplies.Ok),
            SmtpVerb.Noop => Reply(state, CaptureReplies.Ok),
            SmtpVerb.Vrfy => Reply(state, arguments.Length == 0 ? CaptureReplies.Syntax("VRFY address") : CaptureReplies.CannotVerify),
            SmtpVerb.Help => Reply(state, CaptureReplies.Help),
            SmtpVerb.Quit => arguments.Length > 0
                ? Reply(state, CaptureReplies.Syntax("QUIT"))
                : new CaptureStep(CaptureReplies.Bye, state, CaptureAction.Close),
            _ => Reply(state, CaptureReplies.CommandNotRecognized),
        };
    }

    /// <summary>State after a finished (accepted or rejected) DATA/BDAT transfer: the transaction is closed.</summary>
    public static CaptureSessionState EndTransaction(CaptureSessionState state) => state with { Transaction = null };

    /// <summary>True when AUTH may be advertised and used in this state.</summary>
    public bool AuthOffered(CaptureSessionState state) =>
        _options.AuthMechanisms.Count > 0 && (state.IsTls || !_options.AuthRequiresTls);

    private static CaptureStep Reply(CaptureSessionState state, SmtpReply reply) => new(reply, state);

    private CaptureStep Hello(CaptureSessionState state, string arguments, bool extended)
    {
        if (arguments.Length == 0)
        {
            return Reply(state, CaptureReplies.Syntax(extended ? "EHLO hostname" : "HELO hostname"));
        }

        var next = state with { ClientName = arguments, Extended = extended, Transaction = null };
        var reply = extended
            ? EhloReplyBuilder.Build(_options, TlsAvailable && !state.IsTls, AuthOffered(state) && !state.IsAuthenticated)
            : SmtpReply.Single(250, _options.HostName);
        return Reply(next, reply);
    }

    private CaptureStep StartTls(CaptureSessionState state, string arguments)
    {
        if (state.IsTls)
        {
            return Reply(state, CaptureReplies.TlsAlreadyActive);
        }

        if (!TlsAvailable)
        {
            return Reply(state, CaptureReplies.NotImplemented);
        }

        if (arguments.Length > 0)
        {
            return Reply(state, CaptureReplies.Syntax("STARTTLS"));
        }

        if (state.Transaction is not null)
        {
            return Reply(state, CaptureReplies.TransactionInProgress);
        }

        // RFC 3207 §4.2: after the handshake everything learnt from the client is forgotten.
        return new CaptureStep(CaptureReplies.ReadyToStartTls, CaptureSessionState.Initial(isTls: true), CaptureAction.StartTls);
    }

    private CaptureStep Auth(CaptureSessionState state, ReadOnlySpan<byte> content)
    {
        if (!state.Extended)
        {
            return Reply(state, state.IsGreeted ? CaptureReplies.SendEhloFirst : CaptureReplies.SendHeloFirst);
        }

        if (!AuthOffered(state))
        {
            return Reply(state, _options.AuthMechanisms.Count > 0 ? CaptureReplies.MustStartTls : CaptureReplies.NotImplemented);
        }

        if (state.IsAuthenticated)
        {
            return Reply(state, CaptureReplies.AlreadyAuthenticated);
        }

        if (state.Transaction is not null)
        {
            return Reply(state, CaptureReplies.TransactionInProgress);
        }

        var parts = SmtpCommandLine.ArgumentWords(content);
        if (parts.Count is 0 or > 2)
        {
            return Reply(state, CaptureReplies.Syntax("AUTH mechanism [initial-response]"));
        }

        var mechanism = parts[0].ToUpperInvariant();
        if (!_options.AuthMechanisms.Contains(mechanism, StringComparer.OrdinalIgnoreCase))
        {
            return Reply(state, CaptureReplies.UnknownMechanism);
        }

        byte[]? initial = null;
        if (parts.Count == 2)
        {
            if (parts[1] == "=")
            {
                initial = [];
            }
            else if (!StrictBase64.TryDecode(Encoding.Latin1.GetBytes(parts[1]), out initial))
            {
                return Reply(state, CaptureReplies.InvalidBase64);
            }
        }

        var step = SaslMechanisms.Begin(mechanism, initial, _sasl);
        return step is null ? Reply(state, CaptureReplies.UnknownMechanism) : ApplySasl(state, step);
    }

    private CaptureStep ContinueAuth(CaptureSessionState state, SaslExchange exchange, string line)
    {
        var cleared = state with { PendingAuth = null };
        if (line == "*")
        {
            return Reply(cleared, CaptureReplies.AuthCancelled);
        }

        if (!StrictBase64.TryDecode(Encoding.ASCII.GetBytes(line), out var response))
        {
            return Reply(cleared, CaptureReplies.InvalidBase64);
        }

        return ApplySasl(cleared, exchange.Respond(response, _sasl));
    }

    private static CaptureStep ApplySasl(CaptureSessionState state, SaslStep step)
    {
        var next = step.Succeeded
            ? state with { PendingAuth = null, IsAuthenticated = true, AuthenticatedUser = step.AuthenticatedUser }
            : state with { PendingAuth = step.Next };
        return Reply(next, step.Reply);
    }
}
