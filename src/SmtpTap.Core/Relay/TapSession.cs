using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using SmtpTap.Certificates;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.ProxyProtocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// One client connection: TLS on the client leg if implicit, the upstream leg opened and secured by the
/// tap, the server's greeting relayed, then both pumps until QUIT or a failure on either side. Every
/// session ends with one close event holding its outcome and byte/message counts.
/// </summary>
internal sealed class TapSession(TapOptions options, ListenerEndpoint listener, UpstreamConnector connector, IServerCertificateSource certificates, Serilog.ILogger logger, string sessionId)
{
    /// <summary>Fires when the tap stops gracefully (see <see cref="SessionContext.Stopping"/>).</summary>
    public CancellationToken Stopping { get; init; }


    public Task RunAsync(Socket socket, CancellationToken cancellationToken) => RunAsync(socket, null, cancellationToken);

    /// <summary>With <paramref name="proxied"/> (a PROXY protocol listener), the client is the one the header names.</summary>
    public async Task RunAsync(Socket socket, ProxyAdmission? proxied, CancellationToken cancellationToken)
    {
        var transcript = new SessionTranscript(logger, sessionId, options.TranscriptObservers);
        var started = Stopwatch.GetTimestamp();
        await using var client = new SmtpConnection(socket) { WriteTimeout = options.Limits.ClientWriteTimeout, ForwardedRemoteEndPoint = proxied?.Header?.Source };
        if (proxied?.Header is not { } header)
        {
            transcript.Events.Information("Client {ClientEndPoint:l} connected to {Listener:l}", client.RemoteEndPoint?.ToString(), listener.Url);
        }
        else if (header.Source is not null)
        {
            transcript.Events.Information("Client {ClientEndPoint:l} connected to {Listener:l} through proxy {ProxyEndPoint:l} ({ProxyHeader:l}, destination {ProxyDestination:l})", client.RemoteEndPoint?.ToString(), listener.Url, proxied.Proxy?.ToString(), header.Describe(), header.Destination?.ToString());
        }
        else
        {
            transcript.Events.Information("Client {ClientEndPoint:l} connected to {Listener:l}: the proxy itself ({ProxyHeader:l}: no client address given)", client.RemoteEndPoint?.ToString(), listener.Url, header.Describe());
        }
        SessionEnd end;
        SessionContext? context = null;
        Hosting.TapMetrics.SessionOpened(listener.Url);
        try
        {
            if (listener.ImplicitTls && !await ClientHandshakeAsync(client, transcript, cancellationToken))
            {
                end = SessionEnd.ClientTlsFailed;
            }
            else
            {
                var setup = await connector.ConnectAsync(transcript, cancellationToken);
                if (setup.Connection is null)
                {
                    transcript.Lines(TranscriptDirection.TapToClient, setup.FailureReply!);
                    await TryWriteAsync(client, setup.FailureReply!.ToWireString(), cancellationToken);
                    end = SessionEnd.UpstreamFailed;
                }
                else
                {
                    context = new SessionContext(options, listener, client, setup, transcript, certificates) { Stopping = Stopping };
                    if (listener.ImplicitTls && context.UpstreamTlsStripped)
                    {
                        var refusal = SmtpReply.Single(421, $"4.7.0 smtptap: upstream {connector.Upstream.Url} offers no STARTTLS; a TLS client would believe its mail is encrypted end to end; closing");
                        transcript.Warning("The client connected with implicit TLS but the upstream leg would be plaintext (the server offers no STARTTLS): refused");
                        transcript.Lines(TranscriptDirection.TapToClient, refusal);
                        await TryWriteAsync(client, refusal.ToWireString(), cancellationToken);
                        end = SessionEnd.UpstreamFailed;
                    }
                    else
                    {
                        end = await RelayAsync(context, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = SessionEnd.Shutdown;
        }
        catch (Exception ex)
        {
            // A bug in the tap must still end the session like any other: the client told (never a 250), the close event written.
            end = SessionEnd.InternalError;
            await TellClientInternalErrorAsync(client, context, transcript, ex);
        }
        finally
        {
            if (context is not null)
            {
                context.Pending.AbandonAll();
                await context.Upstream.DisposeAsync();
            }
        }

        if (client.HasWriteTimedOut && end != SessionEnd.Shutdown)
        {
            transcript.Warning($"The client stopped reading its replies: a write did not complete within {options.Limits.ClientWriteTimeout.TotalSeconds:0.###} s; closing both legs");
            end = SessionEnd.ClientTimeout;
        }

        if (end == SessionEnd.Quit)
        {
            client.ShutdownSend();
        }
        else if (end == SessionEnd.Shutdown && cancellationToken.IsCancellationRequested)
        {
            await TellClientCutAsync(client, transcript);
        }

        Hosting.TapMetrics.SessionClosed(listener.Url, end.ToString(), context?.BytesRelayedToServer ?? 0, client.BytesWritten);
        transcript.Events.Information(
            "Session closed ({Outcome:l}) after {Duration} ms: {ToServerBytes} bytes relayed to the server, {ToClientBytes} bytes to the client; messages relayed: {Messages}, accepted by the server: {Accepted}",
            end.ToString(),
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            context?.BytesRelayedToServer ?? 0,
            client.BytesWritten,
            context?.MessagesRelayed ?? 0,
            context?.MessagesAccepted ?? 0);
    }

    private async Task<SessionEnd> RelayAsync(SessionContext context, CancellationToken cancellationToken)
    {
        var greeting = context.UpstreamSetup.Greeting!;
        try
        {
            await context.Client.WriteAsync(greeting.Raw, cancellationToken);
        }
        catch (IOException)
        {
            // Gone before its greeting: a load balancer's health check connects and resets at once.
            context.Transcript.Events.Information("The client left before its greeting could be written");
            return SessionEnd.ClientClosed;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var serverPump = new ServerPump(context);
        context.Pending.Added = serverPump.Arm;
        var clientPump = new ClientPump(context, serverPump);
        var serverTask = serverPump.RunAsync(stop.Token);
        var clientTask = clientPump.RunAsync(stop.Token);
        var first = await Task.WhenAny(serverTask, clientTask);
        SessionEnd end;
        if (first == clientTask)
        {
            end = await Outcome(clientTask);
            if (end == SessionEnd.Quit)
            {
                end = await Outcome(serverTask);
            }
            else if (end is SessionEnd.ClientClosed or SessionEnd.ClientError && !context.ChunkInFlight && context.Pending.EndOfDataNotSeenByClient() is { } endOfData)
            {
                await AwaitVerdictForVanishedClientAsync(context, endOfData, end, serverTask);
                await stop.CancelAsync();
                await Outcome(serverTask);
            }
            else
            {
                await stop.CancelAsync();
                await Outcome(serverTask);
            }
        }
        else if (serverPump.AbortedByTap)
        {
            // The client pump closed the upstream itself (a refused message) and still owes the client its reply.
            await Outcome(serverTask);
            end = await Outcome(clientTask);
        }
        else
        {
            end = await Outcome(serverTask);
            if (context.InMessage && !context.UpstreamLossAnswered)
            {
                // The client pump is streaming content: it answers 451 at the client's end of data (bounded by the rate rule).
                // Not when the server pump already answered: the end of data was queued and forwarded, and the client pump,
                // about to leave DataRelay, would go on to wait for a next command that a client waiting for the close never sends.
                await Outcome(clientTask);
            }

            await stop.CancelAsync();
            await Outcome(clientTask);
        }

        return end;
    }

    /// <summary>
    /// The client left after its end of data before the tap had relayed the server's verdict: the server still decides, so
    /// the tap waits for the reply to that very end of data (bounded by the server pump's own end-of-data timeout) and
    /// logs what it says; a 250 the client never saw may lead to a resend.
    /// </summary>
    private static async Task AwaitVerdictForVanishedClientAsync(SessionContext context, PendingCommand endOfData, SessionEnd end, Task<SessionEnd> serverTask)
    {
        await Task.WhenAny(serverTask, endOfData.Reply);
        var left = end == SessionEnd.ClientError ? "the client connection was reset (or failed)" : "the client closed the connection";
        if (!endOfData.Reply.IsCompletedSuccessfully)
        {
            context.Transcript.Events.Warning(
                "WARNING: After its end of data {ClientLeft:l}, and the session ended before the server gave its verdict: whether the message was delivered is not known; the client may send it again",
                left);
            return;
        }

        var reply = endOfData.Reply.Result;
        var verdict = reply.Code + " " + reply.FirstLine;
        if (!reply.IsPositiveCompletion)
        {
            context.Transcript.Events.Warning(
                "WARNING: After its end of data {ClientLeft:l}; the server did not accept the message ({Reply:l}), so nothing was delivered by this session",
                left,
                verdict);
        }
        else if (!endOfData.Relayed)
        {
            context.Transcript.Events.Warning(
                "WARNING: Message delivered (the server answered {Reply:l}), but {ClientLeft:l} before the tap could relay that reply: the client never saw it and may send the message again (possible duplicate)",
                verdict,
                left);
        }
        else
        {
            context.Transcript.Events.Warning(
                "WARNING: Message delivered (the server answered {Reply:l}); {ClientLeft:l} without QUIT right after its end of data, so it may not have read that reply and may send the message again (possible duplicate)",
                verdict,
                left);
        }
    }

    private static async Task<SessionEnd> Outcome(Task<SessionEnd> pump)
    {
        try
        {
            return await pump;
        }
        catch (OperationCanceledException)
        {
            return SessionEnd.Shutdown;
        }
        catch (IOException)
        {
            return SessionEnd.ClientError;
        }
        catch (ObjectDisposedException)
        {
            return SessionEnd.ServerError;
        }
    }

    private async Task<bool> ClientHandshakeAsync(SmtpConnection client, SessionTranscript transcript, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Limits.TlsHandshakeTimeout);
        try
        {
            var facts = await client.UpgradeAsServerAsync(certificates, timeout.Token);
            transcript.Events.Information("TLS established with client (implicit): {TlsProtocol:l} {CipherSuite:l}, presented {Subject:l}", facts.Protocol, facts.CipherSuite, facts.CertificateSubject);
            if (facts.Certificate is { } certificate)
            {
                transcript.Certificate(certificate);
            }

            Hosting.TapMetrics.TlsHandshake("client", ok: true);
            return true;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            transcript.Warning(TlsFailure.IsNotTls(ex)
                ? $"TLS handshake with the client failed: the client does not speak TLS; it probably sent plaintext SMTP to this implicit-TLS listener ({listener.Url}); plaintext and STARTTLS clients need an smtp:// listener"
                : "TLS handshake with the client failed: " + TlsFailure.Describe(ex) + " (does the client trust the tap's CA? see smtptap cert export)");
            Hosting.TapMetrics.TlsHandshake("client", ok: false);
            return false;
        }
    }

    /// <summary>Exception text is not written (it may quote input); the type and the method that threw identify the bug.</summary>
    private static async Task TellClientInternalErrorAsync(SmtpConnection client, SessionContext? context, SessionTranscript transcript, Exception ex)
    {
        transcript.Warning($"The session failed inside the tap ({InternalError.Describe(ex)}); both legs are closed. This is a bug in SmtpTap: please report it with this transcript");
        if (context is null || context.ClaimUpstreamLossAnswer())
        {
            await LastWordAsync(client, transcript, SmtpReply.Single(421, "4.3.0 smtptap: internal error; closing (a message in progress, if any, was not confirmed)"));
        }
    }

    /// <summary>The tap stopped before this session ended (the drain period passed, or a second Ctrl+C): one last 421.</summary>
    private static async Task TellClientCutAsync(SmtpConnection client, SessionTranscript transcript)
    {
        transcript.Warning("The tap stopped before this session ended (drain period over, or a second Ctrl+C); a message in progress, if any, was not delivered (the server never got its end of data)");
        await LastWordAsync(client, transcript, SmtpReply.Single(421, "4.3.2 smtptap: shutting down; closing"));
    }

    /// <summary>A closing reply the client may never read: written within a second or not at all.</summary>
    private static async Task LastWordAsync(SmtpConnection client, SessionTranscript transcript, SmtpReply reply)
    {
        transcript.Lines(TranscriptDirection.TapToClient, reply);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.WriteAsync(reply.ToWireString(), timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or AuthenticationException)
        {
        }
    }

    private static async Task TryWriteAsync(SmtpConnection client, string text, CancellationToken cancellationToken)
    {
        try
        {
            await client.WriteAsync(text, cancellationToken);
        }
        catch (IOException)
        {
        }
    }
}
