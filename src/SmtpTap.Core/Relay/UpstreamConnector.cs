using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using SmtpTap.Core.Hosting;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Transcript;

namespace SmtpTap.Core.Relay;

/// <summary>
/// Opens the upstream leg: TCP connect, implicit TLS or the tap's own EHLO/STARTTLS/handshake, all
/// before the client's first command is relayed. Fails closed: a server that should have given TLS
/// and did not never gets a client byte.
/// </summary>
internal sealed class UpstreamConnector(TapOptions options, UpstreamEndpoint upstream)
{
    public UpstreamEndpoint Upstream => upstream;

    public async Task<UpstreamSetup> ConnectAsync(SessionTranscript transcript, CancellationToken cancellationToken)
    {
        var limits = options.Limits;
        SmtpConnection? connection = null;
        try
        {
            var socket = await ConnectSocketAsync(limits.ConnectTimeout, cancellationToken);
            connection = new SmtpConnection(socket);
            transcript.Events.Information("Connected to upstream {Upstream:l} ({RemoteEndPoint:l})", upstream.Url, socket.RemoteEndPoint?.ToString());
            TlsFacts? tls = null;
            var validator = NewValidator();
            if (upstream.ImplicitTls)
            {
                tls = await HandshakeAsync(connection, validator, transcript, cancellationToken);
            }

            var greeting = await ReadReplyAsync(connection, limits.ServerReplyTimeout, cancellationToken)
                ?? throw new PeerProtocolException("the server closed the connection before its greeting");
            transcript.Lines(TranscriptDirection.ServerToTap, greeting.Reply);
            if (upstream.ImplicitTls || options.UpstreamTls == UpstreamTlsPolicy.None || greeting.Reply.Code != 220)
            {
                LogPlaintextIfSo(transcript, tls);
                return Success(connection, greeting, tls, null, validator);
            }

            var ehlo = await SendAsync(connection, transcript, "EHLO " + options.EhloName, cancellationToken);
            var plainAuth = ehlo.Reply.Code == 250 ? EhloRewriter.AuthMechanisms(ehlo.Reply) : [];
            if (ehlo.Reply.Code != 250 || !EhloRewriter.HasKeyword(ehlo.Reply, "STARTTLS"))
            {
                if (options.UpstreamTls == UpstreamTlsPolicy.Required)
                {
                    return await FailAsync(connection, transcript, 421, "4.7.0", $"upstream {upstream.Url} does not offer STARTTLS and --upstream-tls is required; nothing was relayed", cancellationToken);
                }

                transcript.Warning("Upstream leg stays PLAINTEXT: the server does not offer STARTTLS");
                return Success(connection, greeting, null, plainAuth, validator) with { TlsNotOffered = true };
            }

            var startTls = await SendAsync(connection, transcript, "STARTTLS", cancellationToken);
            if (startTls.Reply.Code != 220)
            {
                return await FailAsync(connection, transcript, 421, "4.7.0", $"upstream {upstream.Url} offered STARTTLS but answered it with {startTls.Reply.Code}; refusing to continue in plaintext", cancellationToken);
            }

            if (startTls.MoreBuffered || connection.HasUnreadInput())
            {
                transcript.Warning("STARTTLS response injection (starttls.response_injection): the server sent " + startTls.BufferedAfter + " bytes after its 220 before TLS; they are discarded unread and the upstream session aborted");
                await connection.DisposeAsync();
                return UpstreamSetup.Failed(421, "4.7.0", "upstream sent plaintext after its STARTTLS 220 (response injection); session aborted");
            }

            tls = await HandshakeAsync(connection, validator, transcript, cancellationToken);
            return Success(connection, greeting, tls, plainAuth, validator);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return await FailedAsync(connection, transcript, 421, "4.4.1", $"upstream {upstream.Url} timed out", null);
        }
        catch (UpstreamTlsException ex)
        {
            return await FailedAsync(connection, transcript, 421, "4.7.0", ex.Message, null);
        }
        catch (SocketException ex)
        {
            return await FailedAsync(connection, transcript, 421, "4.4.1", $"upstream {upstream.Url} unreachable: {DescribeSocketError(ex)}", null);
        }
        catch (PeerProtocolException ex)
        {
            return await FailedAsync(connection, transcript, 421, "4.4.2", $"upstream {upstream.Url}: {ex.Message}", null);
        }
        catch (IOException ex)
        {
            return await FailedAsync(connection, transcript, 421, "4.4.2", $"upstream {upstream.Url} connection failed: {ex.Message}", null);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            throw;
        }
    }

    private UpstreamSetup Success(SmtpConnection connection, ReplyRead greeting, TlsFacts? tls, IReadOnlyList<string>? plainAuth, UpstreamCertificateValidator validator) => new()
    {
        Connection = connection,
        Greeting = greeting,
        Tls = tls,
        PlaintextAuthMechanisms = plainAuth,
        CertificateVerified = tls is not null && validator.Verdict.StartsWith("verified", StringComparison.Ordinal),
    };

    private static void LogPlaintextIfSo(SessionTranscript transcript, TlsFacts? tls)
    {
        if (tls is null)
        {
            transcript.Warning("Upstream leg is PLAINTEXT (--upstream-tls none or no TLS possible)");
        }
    }

    private UpstreamCertificateValidator NewValidator() => new(options.UpstreamTrustedCas, options.UpstreamInsecure);

    private async Task<TlsFacts> HandshakeAsync(SmtpConnection connection, UpstreamCertificateValidator validator, SessionTranscript transcript, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Limits.TlsHandshakeTimeout);
        try
        {
            var facts = await connection.UpgradeAsClientAsync(upstream.Host, validator, timeout.Token);
            transcript.Events.Information(
                "TLS established with upstream: {TlsProtocol:l} {CipherSuite:l}, certificate {Subject:l}, {Verification:l}",
                facts.Protocol,
                facts.CipherSuite,
                facts.CertificateSubject,
                facts.Verification);
            if (facts.Certificate is { } certificate)
            {
                transcript.Certificate(certificate);
            }

            if (options.UpstreamInsecure)
            {
                transcript.Warning("--upstream-insecure: the upstream certificate is NOT checked in this session");
            }

            TapMetrics.TlsHandshake("upstream", ok: true);
            return facts;
        }
        catch (AuthenticationException ex)
        {
            var why = validator.Verdict.StartsWith("rejected", StringComparison.Ordinal) ? "certificate " + validator.Verdict
                : TlsFailure.IsNotTls(ex) && upstream.ImplicitTls ? $"the server does not speak TLS on connect (a plaintext or STARTTLS port? for STARTTLS use smtp://{upstream.Host}:{upstream.Port})"
                : TlsFailure.IsNotTls(ex) ? "the server does not speak TLS after its 220 to STARTTLS"
                : "handshake failed: " + TlsFailure.Describe(ex);
            transcript.Warning("TLS with upstream failed: " + why);
            if (validator.Certificate is { } refused)
            {
                transcript.Certificate(refused);
            }

            TapMetrics.TlsHandshake("upstream", ok: false);
            throw new UpstreamTlsException($"TLS with upstream {upstream.Url} failed: {why}", ex);
        }
    }

    private async Task<ReplyRead> SendAsync(SmtpConnection connection, SessionTranscript transcript, string command, CancellationToken cancellationToken)
    {
        transcript.Line(TranscriptDirection.TapToServer, command);
        await connection.WriteAsync(command + "\r\n", cancellationToken);
        var reply = await ReadReplyAsync(connection, options.Limits.ServerReplyTimeout, cancellationToken)
            ?? throw new PeerProtocolException($"the server closed the connection after {command.Split(' ')[0]}");
        transcript.Lines(TranscriptDirection.ServerToTap, reply.Reply);
        return reply;
    }

    private static async Task<ReplyRead?> ReadReplyAsync(SmtpConnection connection, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return await ReplyReader.ReadAsync(connection.Reader, ReplyLimits.Default, cts.Token);
    }

    private async Task<Socket> ConnectSocketAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(upstream.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(upstream.Host, cts.Token);
        }
        catch (SocketException ex)
        {
            throw new SocketException((int)ex.SocketErrorCode, $"cannot resolve host name {upstream.Host}");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, upstream.Port), cts.Token);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound, $"no address for {upstream.Host}");
    }

    private static string DescribeSocketError(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused (nothing listens on that port)",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ex.Message.StartsWith("cannot resolve", StringComparison.Ordinal) ? ex.Message : "host name not found",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network or host unreachable",
        SocketError.TimedOut => "connection timed out",
        _ => ex.Message,
    };

    private static async Task<UpstreamSetup> FailAsync(SmtpConnection connection, SessionTranscript transcript, int code, string enhanced, string reason, CancellationToken cancellationToken)
    {
        try
        {
            transcript.Line(TranscriptDirection.TapToServer, "QUIT");
            await connection.WriteAsync("QUIT\r\n", cancellationToken);
        }
        catch (IOException)
        {
        }

        return await FailedAsync(connection, transcript, code, enhanced, reason, null);
    }

    private static async Task<UpstreamSetup> FailedAsync(SmtpConnection? connection, SessionTranscript transcript, int code, string enhanced, string reason, Exception? _)
    {
        transcript.Warning("Upstream failed: " + reason);
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        return UpstreamSetup.Failed(code, enhanced, reason);
    }
}
