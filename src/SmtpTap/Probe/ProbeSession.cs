using System.Net;
using SmtpTap.Core.Protocol;
using SmtpTap.Core.Relay;

namespace SmtpTap.Probe;

/// <summary>
/// One probe from connect to QUIT: banner, EHLO, STARTTLS and handshake, EHLO again, AUTH, the test
/// message. Each step either adds its findings to the report or throws a <see cref="ProbeStepException"/>
/// that becomes the report's error.
/// </summary>
internal sealed class ProbeSession(ProbeOptions options, ProbeTranscript transcript, TimeProvider time)
{
    private ProbeReport _report = new() { Target = options.Url };

    public async Task<ProbeReport> RunAsync(CancellationToken cancellationToken)
    {
        transcript.Event("Probing " + options.Url);
        SmtpConnection? connection = null;
        try
        {
            var socket = await ProbeConnector.ConnectAsync(options, transcript, cancellationToken);
            connection = new SmtpConnection(socket);
            _report = _report with { ConnectedTo = socket.RemoteEndPoint?.ToString() };
            var channel = new ProbeChannel(connection, transcript, options.Timeout);
            await RunStepsAsync(channel, cancellationToken);
            await QuitAsync(channel, cancellationToken);
        }
        catch (ProbeStepException ex)
        {
            var message = transcript.Scrubber.Scrub(ex.Message);
            // Said once in the summary and once on stderr, not again in the transcript.
            _report = _report with { Error = new ProbeError(ex.Kind, message) };
            if (connection is not null && ex.Kind is ProbeFailureKind.Auth or ProbeFailureKind.Message)
            {
                await QuitAsync(new ProbeChannel(connection, transcript, options.Timeout), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _report = _report with { Error = new ProbeError(ProbeFailureKind.Connection, "cancelled") };
            transcript.Event("Cancelled");
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        return _report with { Transcript = transcript.Entries.ToArray() };
    }

    private async Task RunStepsAsync(ProbeChannel channel, CancellationToken cancellationToken)
    {
        if (options.ImplicitTls)
        {
            await HandshakeAsync(channel, "implicit TLS", cancellationToken);
        }

        var banner = await channel.ReadAsync("the banner", "before sending its banner", cancellationToken);
        transcript.Server(banner);
        _report = _report with { Banner = ReplyText.OneLine(banner) };
        if (banner.Code != 220)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, "the server refuses service: " + ReplyText.OneLine(banner));
        }

        var ehlo = await EhloAsync(channel, cancellationToken);
        if (options.ImplicitTls)
        {
            _report = _report with { CapabilitiesAfterTls = ReplyText.Capabilities(ehlo) };
        }
        else
        {
            _report = _report with { CapabilitiesBeforeTls = ReplyText.Capabilities(ehlo), StartTlsOffered = EhloRewriter.HasKeyword(ehlo, "STARTTLS") };
            ehlo = await StartTlsAsync(channel, ehlo, cancellationToken);
        }

        var authenticated = false;
        if (options.Credentials is { } credentials)
        {
            CheckPlaintextAuth(channel);
            var auth = await ProbeAuthenticator.RunAsync(channel, ehlo, credentials, options.MaskUsernames, cancellationToken);
            _report = _report with { Auth = auth };
            if (!auth.Success)
            {
                throw new ProbeStepException(ProbeFailureKind.Auth, auth.Explanation ?? "AUTH failed");
            }

            authenticated = true;
        }

        if (options.Message is { } message)
        {
            var names = ServerNames(banner, ehlo);
            var sent = await ProbeMailSender.RunAsync(channel, message, authenticated, names, options.EhloName, time, cancellationToken);
            _report = _report with { Message = sent };
            if (!sent.Accepted && sent.RelayVerdict == RelayVerdict.DeniedWithoutAuth)
            {
                transcript.Event("Relay test: " + sent.RelayText);
            }
            else if (!sent.Accepted)
            {
                var why = sent.RelayText is { } relay && sent.RelayVerdict is RelayVerdict.DeniedWithAuth or RelayVerdict.DeniedWithoutAuth ? " — " + relay : string.Empty;
                throw new ProbeStepException(ProbeFailureKind.Message, $"the message was refused at {sent.Stage}: {sent.Reply}{why}");
            }

            if (sent.RelayVerdict == RelayVerdict.OpenRelay)
            {
                transcript.Event("WARNING: " + sent.RelayText);
            }
        }
    }

    private async Task<SmtpReply> EhloAsync(ProbeChannel channel, CancellationToken cancellationToken)
    {
        var ehlo = await channel.SendAsync("EHLO " + options.EhloName, cancellationToken);
        if (ehlo.Code == 250)
        {
            return ehlo;
        }

        var helo = await channel.SendAsync("HELO " + options.EhloName, cancellationToken);
        if (helo.Code != 250)
        {
            throw new ProbeStepException(ProbeFailureKind.Connection, "the server refused both EHLO and HELO: " + ReplyText.OneLine(helo));
        }

        transcript.Event("WARNING: the server does not speak ESMTP (EHLO refused); no extensions, no STARTTLS, no AUTH");
        return helo;
    }

    private async Task<SmtpReply> StartTlsAsync(ProbeChannel channel, SmtpReply ehlo, CancellationToken cancellationToken)
    {
        if (options.NoStartTls)
        {
            _report = _report with { PlaintextReason = "--no-starttls: the session stays plaintext" + (_report.StartTlsOffered ? " (the server offers STARTTLS)" : string.Empty) };
            transcript.Event("Not using STARTTLS (--no-starttls)");
            return ehlo;
        }

        if (!_report.StartTlsOffered)
        {
            if (options.RequireTls)
            {
                throw new ProbeStepException(ProbeFailureKind.Tls, "the server does not offer STARTTLS, and --require-tls is set");
            }

            _report = _report with { PlaintextReason = "the server does not offer STARTTLS: the session stays PLAINTEXT" };
            transcript.Event("WARNING: " + _report.PlaintextReason);
            return ehlo;
        }

        var reply = await channel.SendAsync("STARTTLS", cancellationToken);
        if (reply.Code != 220)
        {
            throw new ProbeStepException(ProbeFailureKind.Tls, "the server offers STARTTLS but refused it: " + ReplyText.OneLine(reply));
        }

        if (channel.MoreBuffered)
        {
            throw new ProbeStepException(ProbeFailureKind.Tls, "the server sent plaintext after its STARTTLS 220, before TLS (response injection); stopped");
        }

        await HandshakeAsync(channel, "STARTTLS", cancellationToken);
        var secure = await EhloAsync(channel, cancellationToken);
        _report = _report with { CapabilitiesAfterTls = ReplyText.Capabilities(secure) };
        return secure;
    }

    private async Task HandshakeAsync(ProbeChannel channel, string mode, CancellationToken cancellationToken)
    {
        var tls = await ProbeTlsStep.HandshakeAsync(channel, options, mode, time, r => _report = _report with { Tls = r }, cancellationToken);
        if (tls.CertificateOk)
        {
            transcript.Event("certificate " + TlsVerdict.Good(tls));
        }
        else
        {
            foreach (var problem in TlsVerdict.Problems(tls, options.Host))
            {
                transcript.Event("WARNING: " + problem);
            }

            transcript.Event("WARNING: going on despite the certificate problem (--insecure)");
        }

        if (tls.ExpiresSoon)
        {
            transcript.Event($"WARNING: the certificate expires in {tls.DaysLeft} days");
        }
    }

    private void CheckPlaintextAuth(ProbeChannel channel)
    {
        if (channel.Connection.IsTls || options.AllowPlainAuth)
        {
            return;
        }

        var remote = channel.Connection.RemoteEndPoint as IPEndPoint;
        if (remote is null || !IPAddress.IsLoopback(remote.Address))
        {
            throw new ProbeStepException(ProbeFailureKind.Tls, $"refusing to send the password without TLS to {options.Host} (use STARTTLS or smtps://, or --allow-plain-auth if you really mean it)");
        }

        transcript.Event("WARNING: AUTH over plaintext (allowed because the server is on this machine)");
    }

    private string[] ServerNames(SmtpReply banner, SmtpReply ehlo) =>
        [options.Host, FirstWord(banner.FirstLine), FirstWord(ehlo.FirstLine)];

    private static string FirstWord(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? text : text[..space];
    }

    private async Task QuitAsync(ProbeChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            await channel.SendAsync("QUIT", cancellationToken);
        }
        catch (ProbeStepException)
        {
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
        }

        channel.Connection.ShutdownSend();
        transcript.Event("Connection closed");
    }
}
