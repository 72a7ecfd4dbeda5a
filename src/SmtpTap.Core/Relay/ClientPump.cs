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
                    reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        return ClosedAfterHandshake() ?? SessionEnd.ClientClosed;
                    }

                    continue;
                }

                if (status == LineReadStatus.TooLong)
                {
                    reader.AdvanceTo(result.Buffer.End);
                    await ReplyLocallyAsync(SmtpReply.Single(500, "5.5.6 smtptap: line too long; closing"), cancellationToken);
                    return SessionEnd.ProtocolViolation;
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
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
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
        var limits = context.Options.Limits;
        var timeout = context.Pending.Contains(PendingKind.EndOfData) || context.Pending.Contains(PendingKind.BdatLast)
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

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(timeout);
        try
        {
            return await reader.ReadAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw deadline == timeout ? new ClientTooSlowException(what) : new ClientIdleException();
        }
    }

    private async Task<SessionEnd?> HandleLineAsync(byte[] line, bool moreBuffered, CancellationToken cancellationToken)
    {
        var content = line.AsMemory(0, line.Length - 2);
        if (LineAnomaly.HasBareCrLfOrNul(content.Span))
        {
            Transcript.Line(TranscriptDirection.ClientToTap, context.Sasl is null ? TranscriptText.Decode(content.Span) : SaslMask.Placeholder);
            Transcript.Warning("Bare CR, LF or NUL inside a command line: not forwarded (a lenient server could read it as two commands)");
            await ReplyLocallyAsync(SmtpReply.Single(500, "5.5.2 smtptap: bare CR, LF or NUL in command line; not forwarded"), cancellationToken);
            return null;
        }

        if (context.Sasl is { } sasl)
        {
            Transcript.Line(TranscriptDirection.ClientToTap, sasl.DescribeClient(content.Span, isInitialResponse: false));
            RememberPayload(content.Span);
            await ForwardAndWaitAsync(PendingKind.AuthResponse, line, cancellationToken);
            return null;
        }

        var verb = SmtpCommandLine.GetVerb(content.Span);
        if (verb != SmtpVerb.Auth && line.Length > Limits.MaxCommandLine)
        {
            Transcript.Line(TranscriptDirection.ClientToTap, TranscriptText.Decode(content.Span[..64]) + "... (" + line.Length + " octets)");
            await ReplyLocallyAsync(SmtpReply.Single(500, $"5.5.6 smtptap: command line longer than {Limits.MaxCommandLine} octets"), cancellationToken);
            return null;
        }

        if (verb == SmtpVerb.Auth)
        {
            await AuthAsync(line, cancellationToken);
            return null;
        }

        Transcript.Line(TranscriptDirection.ClientToTap, TranscriptText.Decode(content.Span));
        if (_needEhlo && verb is SmtpVerb.Mail or SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat)
        {
            await ReplyLocallyAsync(SmtpReply.Single(503, "5.5.1 smtptap: send EHLO again after STARTTLS (RFC 3207 section 4.2)"), cancellationToken);
            return null;
        }

        switch (verb)
        {
            case SmtpVerb.StartTls:
                return await StartTlsAsync(content, moreBuffered, cancellationToken);
            case SmtpVerb.Ehlo:
            case SmtpVerb.Helo:
                _needEhlo = false;
                await ForwardAsync(verb == SmtpVerb.Ehlo ? PendingKind.Ehlo : PendingKind.Helo, line, cancellationToken);
                return null;
            case SmtpVerb.Data:
                return await DataAsync(line, moreBuffered, cancellationToken);
            case SmtpVerb.Bdat:
                return await BdatAsync(line, cancellationToken);
            case SmtpVerb.Quit:
                await ForwardAsync(PendingKind.Quit, line, cancellationToken);
                return SessionEnd.Quit;
            default:
                await ForwardAsync(PendingKind.Other, line, cancellationToken);
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

        if (moreBuffered)
        {
            Transcript.Warning("STARTTLS command injection: bytes followed STARTTLS before the TLS handshake; they are discarded and the session closed");
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
        if (moreBuffered)
        {
            Transcript.Warning("Message content arrived before the server's 354: SMTP protocol synchronization error; DATA not forwarded");
            await ReplyLocallyAsync(SmtpReply.Single(554, "5.5.0 Error: SMTP protocol synchronization"), cancellationToken);
            return SessionEnd.ProtocolViolation;
        }

        var reply = await ForwardAndWaitAsync(PendingKind.Data, line, cancellationToken);
        if (reply is null || reply.Code != 354)
        {
            return null;
        }

        return await _data.RelayDataAsync(cancellationToken);
    }

    private async Task<SessionEnd?> BdatAsync(byte[] line, CancellationToken cancellationToken)
    {
        if (!SmtpCommandLine.TryParseBdat(line.AsSpan(0, line.Length - 2), out var size, out var last))
        {
            await ForwardAsync(PendingKind.Other, line, cancellationToken);
            return null;
        }

        await ForwardAsync(last ? PendingKind.BdatLast : PendingKind.Bdat, line, cancellationToken);
        return await _data.RelayChunkAsync(size, last, cancellationToken);
    }

    private async Task ForwardAsync(PendingKind kind, byte[] line, CancellationToken cancellationToken)
    {
        context.Pending.Add(kind);
        await context.Upstream.WriteAsync(line, cancellationToken);
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
