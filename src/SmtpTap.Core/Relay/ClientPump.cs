using System.Buffers;
using System.IO.Pipelines;
using System.Security.Authentication;
using SmtpTap.Core.Auth;
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
    private bool _needEhlo;
    private long? _partialLineSince;
    private bool _silentSinceTls = context.Client.IsTls;

    private SessionTranscript Transcript => context.Transcript;

    private Hosting.TapLimits Limits => context.Options.Limits;

    public async Task<SessionEnd> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var reader = context.Client.Reader;
                var result = await ReadAsync(reader, cancellationToken);
                var buffer = result.Buffer;
                var status = SmtpLineFramer.TryReadLine(ref buffer, Limits.MaxAuthLine, out var line);
                if (status == LineReadStatus.NeedMoreData)
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

                if (status == LineReadStatus.TooLong)
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
                var lineBytes = line.ToArray();
                var moreBuffered = !buffer.IsEmpty;
                reader.AdvanceTo(buffer.Start);
                var end = await HandleLineAsync(lineBytes, moreBuffered, cancellationToken);
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
            await ReplyLocallyAsync(SmtpReply.Single(421, "4.4.2 smtptap: idle timeout, closing"), CancellationToken.None, quiesce: false);
            return SessionEnd.ClientTimeout;
        }
        catch (ClientTooSlowException ex)
        {
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
        Transcript.Line(TranscriptDirection.ClientToTap, (inAuth ? SaslMask.Placeholder : "(over-long line)") + " (" + discarder.Discarded + " octets, discarded)");
        if (inAuth)
        {
            Transcript.Warning("AUTH line longer than " + Limits.MaxAuthLine + " octets: not forwarded; the exchange is cancelled upstream with \"*\"");
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

    private async Task<SessionEnd?> HandleLineAsync(byte[] line, bool moreBuffered, CancellationToken cancellationToken)
    {
        var content = line.AsMemory(0, line.Length - 2);
        if (LineAnomaly.HasBareCrLfOrNul(content.Span))
        {
            Transcript.Line(TranscriptDirection.ClientToTap, context.Sasl is null ? TranscriptText.Decode(content.Span) : SaslMask.Placeholder);
            Transcript.Warning("Bare CR, LF or NUL inside a command line: not forwarded (a lenient server could read it as two commands)");
            return await ReplyErrorAsync(SmtpReply.Single(500, "5.5.2 smtptap: bare CR, LF or NUL in command line; not forwarded"), cancellationToken);
        }

        if (context.Sasl is { } sasl)
        {
            Transcript.Line(TranscriptDirection.ClientToTap, sasl.DescribeClient(content.Span, isInitialResponse: false));
            RememberPayload(content.Span);
            await ForwardAndWaitAsync(PendingKind.AuthResponse, line, cancellationToken);
            return null;
        }

        var verb = SmtpCommandLine.GetVerb(content.Span);
        var maxLine = verb is SmtpVerb.Mail or SmtpVerb.Rcpt ? 2 * Limits.MaxCommandLine : Limits.MaxCommandLine;
        if (verb != SmtpVerb.Auth && line.Length > maxLine)
        {
            Transcript.Line(TranscriptDirection.ClientToTap, TranscriptText.Decode(content.Span[..64]) + "... (" + line.Length + " octets)");
            Transcript.Warning($"Command line of {line.Length} octets is over the limit of {maxLine}: not forwarded");
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

        Transcript.Line(TranscriptDirection.ClientToTap, TranscriptText.Decode(content.Span));
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
                _transaction.Reset();
                await ForwardAsync(verb == SmtpVerb.Ehlo ? PendingKind.Ehlo : PendingKind.Helo, line, cancellationToken);
                return null;
            case SmtpVerb.Mail:
                return await MailAsync(line, cancellationToken);
            case SmtpVerb.Rset:
                _transaction.Reset();
                await ForwardAsync(PendingKind.Other, line, cancellationToken);
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
            return;
        }

        var sasl = SaslDescriberFactory.Create(mechanism, context.MaskOptions);
        var shown = "AUTH " + sasl.Mechanism + (hasIr ? " " + sasl.DescribeClient(content.Span[irRange], isInitialResponse: true) : string.Empty);
        Transcript.Line(TranscriptDirection.ClientToTap, shown);
        var (_, reason, refusal) = context.AuthPolicy();
        if (refusal is not null)
        {
            Transcript.Warning("AUTH not relayed: " + reason);
            await ReplyLocallyAsync(refusal, cancellationToken);
            return;
        }

        if (_needEhlo)
        {
            await ReplyLocallyAsync(SmtpReply.Single(503, "5.5.1 smtptap: send EHLO again after STARTTLS (RFC 3207 section 4.2)"), cancellationToken);
            return;
        }

        context.Sasl = sasl;
        context.SaslPayloads.Clear();
        if (hasIr)
        {
            RememberPayload(content.Span[irRange]);
        }

        await ForwardAndWaitAsync(PendingKind.Auth, line, cancellationToken);
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
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Transcript.Warning("TLS handshake with the client failed: " + TlsFailure.Describe(ex) + " (does the client trust the tap's CA? see smtptap cert export)");
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

        if (moreBuffered || context.Client.HasUnreadInput())
        {
            Transcript.Warning("Message content arrived before the server's 354: SMTP protocol synchronization error; DATA not forwarded");
            await ReplyLocallyAsync(SmtpReply.Single(554, "5.5.0 Error: SMTP protocol synchronization"), cancellationToken);
            return SessionEnd.ProtocolViolation;
        }

        var reply = await ForwardAndWaitAsync(PendingKind.Data, line, cancellationToken);
        if (reply is null)
        {
            return null;
        }

        if (reply.Code != 354)
        {
            if (context.Client.HasUnreadInput())
            {
                Transcript.Warning("The server refused DATA but the client had already sent more: it would be message content read as commands; not forwarded");
                await ReplyLocallyAsync(SmtpReply.Single(554, "5.5.0 Error: SMTP protocol synchronization"), cancellationToken);
                return SessionEnd.ProtocolViolation;
            }

            return null;
        }

        _transaction.Reset();
        return await _data.RelayDataAsync(context.MaxMessageSize, cancellationToken);
    }

    private async Task<SessionEnd?> MailAsync(byte[] line, CancellationToken cancellationToken)
    {
        var limit = context.MaxMessageSize;
        if (limit > 0 && MessageSize.TryGetDeclared(line.AsSpan(0, line.Length - 2), out var declared) && declared > limit)
        {
            Transcript.Warning($"MAIL declares SIZE={declared}, over the limit of {limit} octets: not forwarded");
            return await ReplyErrorAsync(SmtpReply.Single(552, $"5.3.4 smtptap: message size exceeds fixed maximum message size ({limit} octets)"), cancellationToken);
        }

        _transaction.Reset();
        await ForwardAsync(PendingKind.Other, line, cancellationToken);
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
        await ForwardAsync(last ? PendingKind.BdatLast : PendingKind.Bdat, line, cancellationToken);
        return await _data.RelayChunkAsync(size, last, cancellationToken);
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

    private long BufferedCount()
    {
        long count = 0;
        if (context.Client.Reader.TryRead(out var result))
        {
            count = result.Buffer.Length;
            context.Client.Reader.AdvanceTo(result.Buffer.Start);
        }

        return count + context.Client.SocketAvailable;
    }

    /// <summary>With <paramref name="defer"/> (more of a pipelined group is buffered) the line goes out with the group's next write.</summary>
    private async Task ForwardAsync(PendingKind kind, byte[] line, CancellationToken cancellationToken, bool defer = false)
    {
        context.Pending.Add(kind);
        await context.Upstream.WriteAsync(new System.Buffers.ReadOnlySequence<byte>(line), flush: !defer, cancellationToken);
    }

    private async Task<SmtpReply?> ForwardAndWaitAsync(PendingKind kind, byte[] line, CancellationToken cancellationToken)
    {
        var pending = context.Pending.Add(kind);
        await context.Upstream.WriteAsync(line, cancellationToken);
        try
        {
            return await pending.Reply.WaitAsync(cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
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
