using System.Net.Sockets;
using Serilog;
using SmtpTap.Certificates;
using SmtpTap.Logging;

namespace SmtpTap.Commands;

/// <summary>Runs <c>smtptap proxy</c> until Ctrl+C: logging, host, banner.</summary>
internal static class ProxyRunner
{
    public static async Task<int> RunAsync(ProxySettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var logger = LoggingSetup.Create(
            new OutputOptions { Json = settings.Json, TranscriptDirectory = settings.TranscriptDirectory, LogFile = settings.LogFile },
            output,
            backgroundConsole: true);
        ProxyHost host;
        try
        {
            host = await ProxyHost.StartAsync(settings, logger, cancellationToken);
        }
        catch (Exception ex) when (ex is UserInputException or InvalidDataException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync("smtptap proxy: " + ex.Message);
            return ExitCodes.Usage;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable or SocketError.AccessDenied)
        {
            await error.WriteLineAsync("smtptap proxy: cannot listen: " + ex.Message + " (is another program using that port? pick another with --listen)");
            return ExitCodes.Usage;
        }

        await using (host)
        {
            PrintBanner(host, settings, logger);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                logger.Information("Stopping: waiting for open sessions to end");
            }
        }

        return ExitCodes.Ok;
    }

    private static void PrintBanner(ProxyHost host, ProxySettings settings, ILogger logger)
    {
        foreach (var listener in host.Tap.BoundListeners)
        {
            logger.Information("Listening on {Listener:l} ({Mode:l})", listener.Url, listener.ImplicitTls ? "implicit TLS" : "plain, STARTTLS offered");
            if (listener.ProxyProtocol != Core.ProxyProtocol.ProxyProtocolVersion.None)
            {
                logger.Information("{Listener:l} reads a PROXY header first, only from trusted proxies ({TrustedProxies:l}); other peers and connections without a valid header are closed without a greeting", listener.Url, settings.TrustedProxies.ToString());
            }

            if (!listener.IsLoopback && listener.ProxyProtocol == Core.ProxyProtocol.ProxyProtocolVersion.None)
            {
                logger.Warning("{Listener:l} is reachable from other machines: anyone who can connect can send mail through the real server, with the credentials your clients use. Bind 127.0.0.1 unless you mean it.", listener.Url);
            }
        }

        logger.Information("Relaying to {Upstream:l}", host.Upstream.Url);
        if (host.Capture is not null)
        {
            logger.Information("Built-in capture server on {CaptureEndPoint:l}; messages are stored in {CaptureDirectory:l}", host.Capture.EndPoint.ToString(), Path.GetFullPath(host.CaptureDirectory!));
        }

        if (host.Authority is { } ca)
        {
            var fingerprint = CertificateDescription.Describe(ca.Certificate).FirstOrDefault(l => l.Contains("SHA-256", StringComparison.OrdinalIgnoreCase)) ?? string.Empty;
            logger.Information("Client leg certificates come from the local CA {CaFile:l} ({Fingerprint:l}); clients must trust it: smtptap cert export --out smtptap-ca.pem", Path.GetFullPath(ca.CertificatePath), string.Join(' ', fingerprint.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }

        logger.Information("Press Ctrl+C to stop");
    }
}
