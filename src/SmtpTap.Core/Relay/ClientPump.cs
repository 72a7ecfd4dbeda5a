using System.Buffers;
using System.IO.Pipelines;
using System.Security.Authentication;
using SmtpTap.Core.Auth;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Client to server: frames command lines strictly, forwards them unchanged, and intercepts only at named
/// points: STARTTLS on the client leg (answered by the tap), AUTH (masked in the transcript, refused when
/// the client leg may not carry credentials), DATA and BDAT (streamed in bounded memory), and bad input.
/// Commands that change how the next bytes must be read (AUTH steps, DATA) wait for their reply.
/// </summary>
internal sealed class ClientPump(SessionContext context, ServerPump serverPump)
{
    private readonly DataRelay _data = new(context, serverPump);
    private readonly TransactionState _transaction = new();
    private readonly AuthTail _authTail = new();
    private AuthBridgeExchange? _bridge;
    private AuthInjection? _injection;
    private bool _needEhlo;
    private bool _normalisedCommandLogged;
    private long? _partialLineSince;
    private bool _silentSinceTls = context.Client.IsTls;

    private SessionTranscript Transcript => context.Transcript;

    /// <summary>The tap's own AUTH for this session (--inject-auth), or null.</summary>
    private AuthInjection? Injection => context.InjectAuth is { } inject ? _injection ??= new AuthInjection(context, inject, this) : null;

    private Hosting.TapLimits Limits => context.Options.Limits;

    public async Task<SessionEnd> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await PumpAsync(cancellationToken);
        }
        finally
        {
            await _data.DisposeAsync();
        }
    }

    private async Task<SessionEnd> PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var reader = context.Client.Reader;
                var result = await ReadAsync(reader, cancellationToken);
                var buffer = result.Buffer;
                var piece = LineFramer.Next(ref buffer, Limits.MaxAuthLine);
                if (!piece.HasValue)
                {
                    _partialLineSince = result.Buffer.IsEmpty ? null : _partialLineSince ?? System.Diagnostics.Stopwatch.GetTimestamp();
                    await context.Upstream.FlushAsync(cancellationToken);
                    reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        return ClosedAfterHandshake() ?? SessionEnd.ClientClosed;
                    }

                    continue;
                }

                if (piece.Ending == LineEnding.None || piece.Bytes.Length > Limits.MaxAuthLine)
                {
                    reader.AdvanceTo(result.Buffer.Start);
                    var tooLong = await DiscardLongLineAsync(cancellationToken);
                    if (tooLong is not null)
                    {
                        return tooLong.Value;
                    }

                    continue;
                }

                _partialLineSince = null;
                _silentSinceTls = false;
                var lineBytes = piece.Bytes.ToArray();
                var moreBuffered = !buffer.IsEmpty;
                reader.AdvanceTo(buffer.Start);
                var end = piece.Ending == LineEnding.BareLf
                    ? await BareLfLineAsync(lineBytes, moreBuffered, cancellationToken)
                    : await HandleLineAsync(lineBytes, moreBuffered, cancellationToken);
                if (end is not null)
                {
                    return end.Value;
                }
            }
        }
        catch (TapStoppingException)
        {
            await ReplyLocallyAsync(SmtpReply.Single(421, "4.3.2 smtptap: shutting down, try again later"), cancellationToken);
            return SessionEnd.Shutdown;
        }
        catch (ClientIdleException)
        {
            TapMetrics.Refused("idle-timeout");
            await ReplyLocallyAsync(SmtpReply.Single(421, "4.4.2 smtptap: idle timeout, closing"), CancellationToken.None, quiesce: false);
            return SessionEnd.ClientTimeout;
        }
        catch (ClientTooSlowException ex)
        {
            TapMetrics.Refused("too-slow");
            Transcript.Warning("Client too slow: " + ex.Message + "; closing (the server never gets an end of data from this session)");
            await ReplyLocallyAsync(SmtpReply.Single(421, "4.4.2 smtptap: timeout: " + ex.Message + "; closing"), CancellationToken.None, quiesce: false);
            return SessionEnd.ClientTimeout;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException && !cancellationToken.IsCancellationRequested)
        {
            // A TLS alert from a client that rejected the tap's certificate can surface as either.
            return ClosedAfterHandshake() ?? SessionEnd.ClientError;
        }
    }

    /// <summary>
    /// With TLS 1.3 the tap's side of the handshake completes before the client checks the certificate, so a client that
    /// rejects the tap's leaf shows up as a close (or alert) before its first command.
    /// </summary>
    private SessionEnd? ClosedAfterHandshake()
    {
        if (!_silentSinceTls)
        {
            return null;
        }

        Transcript.Warning("The client closed the TLS connection before sending anything: it probably rejected the tap's certificate (client rejected certificate? does it trust the tap's CA? see smtptap cert export)");
        return SessionEnd.ClientTlsFailed;
    }

    private async Task<ReadResult> ReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        if (context.Stopping.IsCancellationRequested && _partialLineSince is null && reader.TryRead(out var buffered))
        {
            return buffered; // commands the client sent before the stop are still answered
        }

        var limits = Limits;
        var timeout = context.Pending.AwaitsEndOfData
            ? limits.EndOfDataTimeout + limits.ClientIdleTimeout
            : limits.ClientIdleTimeout;
        var deadline = _partialLineSince is { } since ? limits.CommandDeadline - System.Diagnostics.Stopwatch.GetElapsedTime(since) : (TimeSpan?)null;
        if (deadline is { } left && left < timeout)
        {
            timeout = left;
        }

        var what = $"a command line not completed within the per-command deadline of {limits.CommandDeadline.TotalSeconds:0.###} s";
        if (timeout <= TimeSpan.Zero)
        {
            throw new ClientTooSlowException(what);
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.Stopping);
        idle.CancelAfter(timeout);
        try
        {
            return await reader.ReadAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw context.Stopping.IsCancellationRequested ? new TapStoppingException() : deadline == timeout ? new ClientTooSlowException(what) : new ClientIdleException();
        }
    }

    /// <summary>
    /// A line longer than any limit: its bytes are thrown away up to its CRLF (never buffered, never forwarded).
    /// Inside AUTH the exchange is cancelled upstream with "*" (RFC 4954). Past the discard limit the session ends.
    /// </summary>
    private async Task<SessionEnd?> DiscardLongLineAsync(CancellationToken cancellationToken)
    {
        var reader = context.Client.Reader;
        var discarder = default(LineDiscarder);
        var found = false;
        while (!found && discarder.Discarded <= Limits.MaxLineDiscard)
        {
            var result = await ReadAsync(reader, cancellationToken);
            var consumed = result.Buffer.End;
            long offset = 0;
            foreach (var segment in result.Buffer)
            {
                var end = discarder.Feed(segment.Span);
                if (end >= 0)
                {
                    consumed = result.Buffer.GetPosition(offset + end);
                    found = true;
                    break;
                }

                offset += segment.Length;
            }

            reader.AdvanceTo(found ? consumed : result.Buffer.End);
            if (!found && result.IsCompleted)
            {
                return SessionEnd.ClientClosed;
            }
        }

        var inAuth = context.Sasl is not null;
        _authTail.Take(discarder.Discarded);
        Transcript.Line(TranscriptDirection.ClientToTap, (inAuth ? SaslMask.Placeholder : "(over-long line)") + " (" + discarder.Discarded + " octets, discarded)");
        if (_bridge is { Active: true })
        {
            Transcript.Warning("AUTH line longer than " + Limits.MaxAuthLine + " octets: the exchange the tap answers itself is abandoned (the server never saw it)");
            _bridge.Abandon();
        }
        else if (inAuth)
        {
            Transcript.Warning("AUTH line longer than " + Limits.MaxAuthLine + " octets: not forwarded; the exchange is cancelled upstream with \"*\"");
            Interlocked.Add(ref context.TapBytesToServer, 3);
            await ForwardAndWaitAsync(PendingKind.AuthCancel, "*\r\n"u8.ToArray(), cancellationToken);
            context.Sasl = null;
            context.SaslPayloads.Clear();
        }

        var text = inAuth ? "5.5.6 Authentication Exchange line is too long" : $"5.5.6 smtptap: line too long (over {Limits.MaxAuthLine} octets); not forwarded";
        if (!found)
        {
            Transcript.Warning("Over-long line without CRLF after " + discarder.Discarded + " octets: closing");
            await ReplyLocallyAsync(SmtpReply.Single(500, text + "; closing"), cancellationToken);
            return SessionEnd.ProtocolViolation;
        }

        return await ReplyErrorAsync(SmtpReply.Single(500, text), cancellationToken);
    }

    /// <summary>
    /// A line that ended in a bare LF. With --line-endings fix it becomes a CRLF line and is handled as one; otherwise
    /// it is refused at once with a reply that explains (an LF-only client would otherwise wait for a CRLF forever).
    /// </summary>
    private async Task<SessionEnd?> BareLfLineAsync(byte[] line, bool moreBuffered, CancellationToken cancellationToken)
    {
        var content = line.AsSpan(0, line.Length - 1);
        if (context.Options.LineEndings == LineEndingPolicy.Fix)
        {
            if (!_normalisedCommandLogged)
            {
                _normalisedCommandLogged = true;
                Transcript.Events.Information("The client ends command lines with a bare LF: normalised to CRLF before relaying (--line-endings fix)");
            }

            return await HandleLineAsync([.. content, (byte)'\r', (byte)'\n'], moreBuffered, cancellationToken);
        }

        var inTail = _authTail.Take(line.Length);
        Transcript.Line(TranscriptDirection.ClientToTap, context.Sasl is null ? Shown(content, inTail) + "\\n" : SaslMask.Placeholder);
        Transcript.Warning("Line ended with a bare LF instead of CRLF (RFC 5321 section 2.3.8): not forwarded; smtptap --line-endings fix would normalise it");
        if (context.Sasl is not null)
        {
            await CancelAuthAsync(cancellationToken);
        }

        return await ReplyErrorAsync(SmtpReply.Single(500, "5.5.2 smtptap: line ends in a bare LF, SMTP needs CRLF (RFC 5321 section 2.3.8); not forwarded (smtptap --line-endings fix accepts it)"), cancellationToken);
    }

    /// <summary>What the transcript shows of a client line outside an AUTH exchange: the line, or a mask when it may be a secret.</summary>
    private string Shown(ReadOnlySpan<byte> content, bool sentDuringAuth)
    {
        var masked = ClientLineMasking.Mask(content, sentDuringAuth);
        if (masked is null)
        {
            return TranscriptText.Decode(content);
        }

        context.RememberMaskedLine(content);
        return masked;
    }

    private async Task CancelAuthAsync(CancellationToken cancellationToken)
    {
        if (_bridge is { Active: true })
        {
            Transcript.Warning("The AUTH exchange the tap answers itself is abandoned (the server never saw it)");
            _bridge.Abandon();
            EndOfAuthExchange();
            return;
        }

        Transcript.Warning("The AUTH exchange is cancelled upstream with \"*\"");
        await ForwardAndWaitAsync(PendingKind.AuthCancel, "*\r\n"u8.ToArray(), cancellationToken);
        context.Sasl = null;
        context.SaslPayloads.Clear();
        EndOfAuthExchange();
    }

    private async Task<SessionEnd?> HandleLineAsync(byte[] line, bool moreBuffered, CancellationToken cancellationToken)
    {
        var content = line.AsMemory(0, line.Length - 2);
        var inTail = _authTail.Take(line.Length);
        if (LineAnomaly.HasBareCrLfOrNul(content.Span))
        {
            Transcript.Line(TranscriptDirection.ClientToTap, context.Sasl is null ? Shown(content.Span, inTail) : SaslMask.Placeholder);
            Transcript.Warning("Bare CR, LF or NUL inside a command line: not forwarded (a lenient server could read it as two commands)");
            if (context.Sasl is not null)
            {
                await CancelAuthAsync(cancellationToken);
            }

            return await ReplyErrorAsync(SmtpReply.Single(500, "5.5.2 smtptap: bare CR, LF or NUL in command line; not forwarded"), cancellationToken);
        }

        if (_bridge is { Active: true })
        {
            await _bridge.ContinueAsync(line, cancellationToken);
            if (!_bridge.Active && context.Sasl is null)
            {
                EndOfAuthExchange();
            }

            return null;
        }

        if (context.Sasl is { } sasl)
        {
            Transcript.Line(TranscriptDirection.ClientToTap, sasl.DescribeClient(content.Span, isInitialResponse: false));
            RememberPayload(content.Span);
            var reply = await ForwardAndWaitAsync(PendingKind.AuthResponse, line, cancellationToken);
            if (reply is null || reply.Code != 334)
            {
                EndOfAuthExchange();
            }

            return null;
        }

        var verb = SmtpCommandLine.GetVerb(content.Span);
        var maxLine = verb is SmtpVerb.Mail or SmtpVerb.Rcpt ? 2 * Limits.MaxCommandLine : Limits.MaxCommandLine;
        if (verb != SmtpVerb.Auth && line.Length > maxLine)
        {
            var masked = ClientLineMasking.Mask(content.Span, inTail);
            Transcript.Line(TranscriptDirection.ClientToTap, masked ?? TranscriptText.Decode(content.Span[..64]) + "... (" + line.Length + " octets)");
            Transcript.Warning($"Command line of {line.Length} octets is over the limit of {maxLine}: not forwarded");
            TapMetrics.Refused("max-command-line");
            if (verb == SmtpVerb.Bdat)
            {
                return await RefuseBdatAsync(500, "5.5.6 smtptap: BDAT command line too long", cancellationToken);
            }

            return await ReplyErrorAsync(SmtpReply.Single(500, $"5.5.6 smtptap: line too long (command lines are limited to {maxLine} octets); not forwarded"), cancellationToken);
        }

        if (verb == SmtpVerb.Auth)
        {
            await AuthAsync(line, cancellationToken);
            return null;
        }

        var shown = Shown(content.Span, inTail);
        Transcript.Line(TranscriptDirection.ClientToTap, shown);
        if (_needEhlo && verb is SmtpVerb.Mail or SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat)
        {
            const string again = "5.5.1 smtptap: send EHLO again after STARTTLS (RFC 3207 section 4.2)";
            return verb == SmtpVerb.Bdat ? await RefuseBdatAsync(503, again, cancellationToken) : await ReplyErrorAsync(SmtpReply.Single(503, again), cancellationToken);
        }

        switch (verb)
        {
            case SmtpVerb.StartTls:
                return await StartTlsAsync(content, moreBuffered, cancellationToken);
            case SmtpVerb.Ehlo:
            case SmtpVerb.Helo:
                _needEhlo = false;
                if (Injection is { } injection)
                {
                    injection.EhloSent = verb == SmtpVerb.Ehlo;
                }

                _transaction.Reset();
                context.Envelope.Reset();
                await ForwardAsync(verb == SmtpVerb.Ehlo ? PendingKind.Ehlo : PendingKind.Helo, line, cancellationToken, defer: moreBuffered);
                return null;
            case SmtpVerb.Mail:
                return await MailAsync(line, shown, moreBuffered, cancellationToken);
            case SmtpVerb.Rcpt:
                context.Envelope.Rcpt(shown, await ForwardAsync(PendingKind.Other, line, cancellationToken, defer: moreBuffered));
                return null;
            case SmtpVerb.Rset:
                _transaction.Reset();
                context.Envelope.Reset();
                await ForwardAsync(PendingKind.Other, line, cancellationToken, defer: moreBuffered);
                return null;
            case SmtpVerb.Data:
                return await DataAsync(line, moreBuffered, cancellationToken);
            case SmtpVerb.Bdat:
                return await BdatAsync(line, cancellationToken);
            case SmtpVerb.Quit:
                await ForwardAsync(PendingKind.Quit, line, cancellationToken);
                return SessionEnd.Quit;
            default:
                await ForwardAsync(PendingKind.Other, line, cancellationToken, defer: moreBuffered);
                return null;
        }
    }

    private async Task AuthAsync(byte[] line, CancellationToken cancellationToken)
    {
        var content = line.AsMemory(0, line.Length - 2);
        if (!SmtpCommandLine.TryParseAuth(content.Span, out var mechanism, out var irRange, out var hasIr))
        {
            Transcript.Line(TranscriptDirection.ClientToTap, "AUTH " + SaslMask.Placeholder + " (malformed AUTH command, masked)");
            await ForwardAndWaitAsync(PendingKind.Other, line, cancellationToken);
            EndOfAuthExchange();
            return;
        }

        var sasl = SaslDescriberFactory.Create(mechanism, context.MaskOptions);
        var shown = "AUTH " + sasl.Mechanism + (hasIr ? " " + sasl.DescribeClient(content.Span[irRange], isInitialResponse: true) : string.Empty);
        Transcript.Line(TranscriptDirection.ClientToTap, shown);
        if (Injection is { } injection)
        {
            await ReplyLocallyAsync(injection.ClientAuth().Reply!, cancellationToken);
            EndOfAuthExchange();
            return;
        }

        var (_, reason, refusal) = context.AuthPolicy();
        if (refusal is not null)
        {
            Transcript.Warning("AUTH not relayed: " + reason);
            await ReplyLocallyAsync(refusal, cancellationToken);
            EndOfAuthExchange();
            return;
        }

        if (_needEhlo)
        {
            await ReplyLocallyAsync(SmtpReply.Single(503, "5.5.1 smtptap: send EHLO again after STARTTLS (RFC 3207 section 4.2)"), cancellationToken);
            EndOfAuthExchange();
            return;
        }

        if (context.Options.AuthBridge is { } bridge && AuthBridgeExchange.Handles(sasl.Mechanism))
        {
            _bridge ??= new AuthBridgeExchange(context, bridge, this);
            if (await _bridge.BeginAsync(line, sasl, hasIr ? content[irRange] : ReadOnlyMemory<byte>.Empty, hasIr, cancellationToken))
            {
                if (!_bridge.Active && context.Sasl is null)
                {
                    EndOfAuthExchange();
                }

                return;
            }
        }

        context.Sasl = sasl;
        context.SaslPayloads.Clear();
        if (hasIr)
        {
            RememberPayload(content.Span[irRange]);
        }

        var reply = await ForwardAndWaitAsync(PendingKind.Auth, line, cancellationToken);
        if (reply is null || reply.Code != 334)
        {
            // Everything the client sent by now was written before it could see the end of the exchange.
            EndOfAuthExchange();
        }
    }

    private void RememberPayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length >= 4)
        {
            context.SaslPayloads.Add(System.Text.Encoding.Latin1.GetString(payload));
        }
    }

    private async Task<SessionEnd?> StartTlsAsync(ReadOnlyMemory<byte> content, bool moreBuffered, CancellationToken cancellationToken)
    {
        if (context.Client.IsTls)
        {
            await ReplyLocallyAsync(SmtpReply.Single(554, "5.5.1 Error: TLS already active"), cancellationToken);
            return null;
        }

        if (!SmtpCommandLine.Arguments(content.Span).IsEmpty)
        {
            await ReplyLocallyAsync(SmtpReply.Single(501, "5.5.4 Syntax: STARTTLS (no parameters)"), cancellationToken);
            return null;
        }

        if (!context.OfferClientStartTls(context.ServerListedStartTls) && !context.UpstreamTlsStripped)
        {
            Transcript.Warning("STARTTLS refused: the server offers no TLS, so the tap does not either (--client-starttls always offers it)");
            return await ReplyErrorAsync(SmtpReply.Single(502, "5.5.1 Error: command not implemented (smtptap: the server offers no STARTTLS, so neither does the tap; see --client-starttls)"), cancellationToken);
        }

        if (context.UpstreamTlsStripped)
        {
            Transcript.Warning("STARTTLS refused: the server does not offer STARTTLS, so the upstream leg is plaintext and TLS to the tap alone would only look safe");
            return await ReplyErrorAsync(SmtpReply.Single(454, "4.7.0 TLS not available due to temporary reason (smtptap: the server offers no TLS)"), cancellationToken);
        }

        // Quiesce first: every reply still owed goes out before the 220, and input that arrives meanwhile is injection too.
        await context.Upstream.FlushAsync(cancellationToken);
        await context.Pending.WhenEmptyAsync(cancellationToken);
        if (moreBuffered || context.Client.HasUnreadInput())
        {
            var injected = BufferedCount();
            Transcript.Events.Warning(
                "WARNING: STARTTLS command injection (starttls.injection): {InjectedBytes} bytes followed STARTTLS before the TLS handshake; they are discarded unread and the session closed",
                injected);
            await ReplyLocallyAsync(SmtpReply.Single(503, "5.5.1 smtptap: STARTTLS must be the last command in a group; closing"), cancellationToken);
            return SessionEnd.ProtocolViolation;
        }

        await ReplyLocallyAsync(SmtpReply.Single(220, "2.0.0 Ready to start TLS"), cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.Limits.TlsHandshakeTimeout);
        try
        {
            var facts = await context.Client.UpgradeAsServerAsync(context.Certificates, timeout.Token);
            Transcript.Events.Information("TLS established with client (STARTTLS): {TlsProtocol:l} {CipherSuite:l}, presented {Subject:l}", facts.Protocol, facts.CipherSuite, facts.CertificateSubject);
            if (facts.Certificate is { } certificate)
            {
                Transcript.Certificate(certificate);
            }

            TapMetrics.TlsHandshake("client", ok: true);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Transcript.Warning("TLS handshake with the client failed: " + TlsFailure.Describe(ex) + " (does the client trust the tap's CA? see smtptap cert export)");
            TapMetrics.TlsHandshake("client", ok: false);
            return SessionEnd.ClientTlsFailed;
        }

        _needEhlo = true;
        _silentSinceTls = true;
        return null;
    }

    private async Task<SessionEnd?> DataAsync(byte[] line, bool moreBuffered, CancellationToken cancellationToken)
    {
        if (_transaction.BdatOpen)
        {
            return await ReplyErrorAsync(SmtpReply.Single(503, "5.5.1 smtptap: DATA cannot follow BDAT in the same transaction (RFC 3030)"), cancellationToken);
        }

        if (moreBuffered)
        {
            // A whole session written at once (printf ... | nc, a pasted session): the content waits, unread, for the 354.
            Transcript.Events.Information("Message content arrived before the server's 354: held (unread) until the server answers DATA");
        }

        var (reply, pending) = await ForwardAndWaitForAsync(PendingKind.Data, line, cancellationToken);
        if (reply is null)
        {
            return null;
        }

        if (reply.Code != 354)
        {
            // Only bytes that had arrived before the refusal reached the client can be content; a fast RSET after it is a command.
            var early = ReaderBufferedCount() + pending.ClientBytesWaitingAtReply;
            if (early > 0)
            {
                return await DiscardEarlyContentAsync(reply, cancellationToken);
            }

            return null;
        }

        _transaction.Reset();
        return await _data.RelayDataAsync(context.MaxMessageSize, cancellationToken);
    }

    /// <summary>
    /// The server refused DATA, but the client had already sent its message: the content is read to its end of data
    /// and thrown away (never run as commands), and the client gets one reply for it that says so.
    /// </summary>
    private async Task<SessionEnd?> DiscardEarlyContentAsync(SmtpReply refusal, CancellationToken cancellationToken)
    {
        var discarded = await _data.DiscardToEndOfDataAsync(cancellationToken);
        if (discarded is null)
        {
            Transcript.Warning("The server refused DATA (" + refusal.Code + ") after the client had already sent its message content; the client closed before its end of data");
            return SessionEnd.ClientClosed;
        }

        Transcript.Warning($"The server refused DATA ({refusal.Code}) but the client had already sent its message: {discarded} octets of content discarded up to its end of data, never run as commands; nothing was delivered");
        await ReplyLocallyAsync(SmtpReply.Single(554, $"5.5.0 smtptap: message content discarded: the server refused DATA ({refusal.Code}) and the content was sent before its 354; nothing was delivered"), cancellationToken);
        return null;
    }

    private async Task<SessionEnd?> MailAsync(byte[] line, string shown, bool moreBuffered, CancellationToken cancellationToken)
    {
        var limit = context.MaxMessageSize;
        if (limit > 0 && MessageSize.TryGetDeclared(line.AsSpan(0, line.Length - 2), out var declared) && declared > limit)
        {
            Transcript.Warning($"MAIL declares SIZE={declared}, over the limit of {limit} octets: not forwarded");
            TapMetrics.Refused("max-message-size");
            return await ReplyErrorAsync(SmtpReply.Single(552, $"5.3.4 smtptap: message size exceeds fixed maximum message size ({limit} octets)"), cancellationToken);
        }

        if (Injection is { } injection && await injection.BeforeMailAsync(cancellationToken) is { } injectRefusal)
        {
            return await ReplyErrorAsync(injectRefusal, cancellationToken);
        }

        _transaction.Reset();
        context.Envelope.Mail(shown, await ForwardAsync(PendingKind.Other, line, cancellationToken, defer: moreBuffered));
        return null;
    }

    /// <summary>
    /// BDAT is relayed only if the server offered CHUNKING, with valid syntax, in order (RFC 3030). A refused
    /// BDAT closes the session: its chunk bytes follow at once and must never be read as commands.
    /// </summary>
    private async Task<SessionEnd?> BdatAsync(byte[] line, CancellationToken cancellationToken)
    {
        if (!context.UpstreamChunking)
        {
            return await RefuseBdatAsync(502, "5.5.1 smtptap: BDAT without CHUNKING (the server does not offer it)", cancellationToken);
        }

        if (!SmtpCommandLine.TryParseBdat(line.AsSpan(0, line.Length - 2), out var size, out var last))
        {
            return await RefuseBdatAsync(501, "5.5.4 Syntax: BDAT chunk-size [LAST]", cancellationToken);
        }

        if (_transaction.BdatLastSent)
        {
            return await RefuseBdatAsync(503, "5.5.1 smtptap: BDAT after BDAT LAST needs a new MAIL", cancellationToken);
        }

        var limit = context.MaxMessageSize;
        if (limit > 0 && _transaction.BdatOctets + size > limit)
        {
            return await _data.RefuseChunkAsync(size, _transaction.BdatOctets + size, limit, cancellationToken);
        }

        _transaction.Chunk(size, last);
        var message = last ? context.Envelope.TakeDraft(Transcript, chunked: true) : null;
        await ForwardAsync(last ? PendingKind.BdatLast : PendingKind.Bdat, line, cancellationToken, message: message);
        return await _data.RelayChunkAsync(size, last, message, firstChunk: _transaction.BdatChunks == 1, cancellationToken);
    }

    private async Task<SessionEnd?> RefuseBdatAsync(int code, string text, CancellationToken cancellationToken)
    {
        Transcript.Warning("BDAT refused: its chunk would follow at once and cannot be read as commands; closing");
        await ReplyLocallyAsync(SmtpReply.Single(code, text + "; closing"), cancellationToken);
        return SessionEnd.ProtocolViolation;
    }

    /// <summary>A 4xx/5xx from the tap itself to a command; past the error cap the session ends with 421.</summary>
    private async Task<SessionEnd?> ReplyErrorAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        await ReplyLocallyAsync(reply, cancellationToken);
        if (!context.CountCommandError())
        {
            return null;
        }

        Transcript.Warning("Too many errors in this session: closing");
        await ReplyLocallyAsync(SmtpReply.Single(421, "4.7.0 smtptap: too many errors; closing"), cancellationToken);
        return SessionEnd.ProtocolViolation;
    }

    private long BufferedCount() => ReaderBufferedCount() + context.Client.SocketAvailable;

    /// <summary>An AUTH exchange ended: every client byte already here was sent before the client could know (see <see cref="AuthTail"/>).</summary>
    private void EndOfAuthExchange() => _authTail.ExchangeEnded(BufferedCount());

    /// <summary>Client bytes already read from the connection but not yet consumed by this pump.</summary>
    private long ReaderBufferedCount()
    {
        long count = 0;
        if (context.Client.Reader.TryRead(out var result))
        {
            count = result.Buffer.Length;
            context.Client.Reader.AdvanceTo(result.Buffer.Start);
        }

        return count;
    }

    /// <summary>With <paramref name="defer"/> (more of a pipelined group is buffered) the line goes out with the group's next write.</summary>
    private async Task<PendingCommand> ForwardAsync(PendingKind kind, byte[] line, CancellationToken cancellationToken, bool defer = false, MessageDraft? message = null)
    {
        var pending = context.Pending.Add(kind, message);
        await context.Upstream.WriteAsync(new System.Buffers.ReadOnlySequence<byte>(line), flush: !defer, cancellationToken);
        return pending;
    }

    internal async Task<SmtpReply?> ForwardAndWaitAsync(PendingKind kind, byte[] line, CancellationToken cancellationToken) =>
        (await ForwardAndWaitForAsync(kind, line, cancellationToken)).Reply;

    private async Task<(SmtpReply? Reply, PendingCommand Command)> ForwardAndWaitForAsync(PendingKind kind, byte[] line, CancellationToken cancellationToken)
    {
        var pending = context.Pending.Add(kind);
        await context.Upstream.WriteAsync(line, cancellationToken);
        try
        {
            return (await pending.Reply.WaitAsync(cancellationToken), pending);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, pending);
        }
    }

    /// <summary>A reply from the tap itself, written only after every earlier reply reached the client.</summary>
    internal async Task ReplyLocallyAsync(SmtpReply reply, CancellationToken cancellationToken, bool quiesce = true)
    {
        if (quiesce)
        {
            await context.Upstream.FlushAsync(cancellationToken);
            await context.Pending.WhenEmptyAsync(cancellationToken);
        }

        Transcript.Lines(TranscriptDirection.TapToClient, reply);
        try
        {
            await context.Client.WriteAsync(reply.ToWireString(), cancellationToken);
        }
        catch (IOException)
        {
        }
    }
}
