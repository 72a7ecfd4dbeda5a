using System.Security.Cryptography;
using Serilog;
using SmtpTap.Certificates;
using SmtpTap.Core.Hosting;
using SmtpTap.Logging;

namespace SmtpTap.Commands;

/// <summary>Runs <c>smtptap proxy</c> until Ctrl+C or SIGTERM: path checks, logging, host, banner, graceful stop.</summary>
internal static class ProxyRunner
{
    /// <param name="settings">The parsed command line.</param>
    /// <param name="output">The console.</param>
    /// <param name="error">Where a one-line error goes.</param>
    /// <param name="cancellationToken">Cancelled by the first Ctrl+C or SIGTERM: the graceful stop begins.</param>
    /// <param name="abort">Cancelled by a second Ctrl+C or SIGTERM: open sessions are cut at once.</param>
    public static async Task<int> RunAsync(ProxySettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken, CancellationToken abort = default)
    {
        try
        {
            CheckPaths(settings);
        }
        catch (UserInputException ex)
        {
            await error.WriteLineAsync("smtptap proxy: " + ex.Message);
            return ExitCodes.Usage;
        }

        await using var logger = LoggingSetup.Create(
            new OutputOptions { Json = settings.Json, TranscriptDirectory = settings.TranscriptDirectory, LogFile = settings.LogFile, Otlp = settings.Otlp },
            output,
            backgroundConsole: true);
        var webStore = settings.Web is null ? null : new Web.SessionStore(settings.WebHistory, settings.WebLines);
        Web.CaptureFiles? captureFiles = null;
        var messageStore = settings.Web is null ? null : new Web.MessageStore(settings.WebHistory, m => captureFiles?.Locate(m));
        ProxyHost host;
        try
        {
            host = await ProxyHost.StartAsync(settings, logger, CancellationToken.None, webStore is null ? null : [webStore, messageStore!]);
        }
        catch (Exception ex) when (ex is UserInputException or ListenerBindException or InvalidDataException or UnauthorizedAccessException or IOException or CryptographicException)
        {
            await error.WriteLineAsync("smtptap proxy: " + OneLine(ex.Message));
            return ExitCodes.Usage;
        }

        await using (host)
        {
            await using var metrics = settings.Metrics is { } metricsAt
                ? await Metrics.MetricsEndpoint.StartAsync(metricsAt, () => host.Tap.BoundListeners.Count > 0, host.UpstreamHost, host.UpstreamPort, CancellationToken.None)
                : null;
            captureFiles = host.Capture is { } capture && messageStore is not null ? new Web.CaptureFiles(capture, 1024) : null;
            await using var web = webStore is not null
                ? await Web.WebEndpoint.StartAsync(settings.Web!, webStore, System.Net.IPAddress.IsLoopback(settings.Web!.Address) ? null : Web.WebSecurity.NewToken(), CancellationToken.None, new Web.WebBundle(settings.TranscriptDirectory, settings.CertDirectory), messageStore)
                : null;
            PrintBanner(host, logger, settings, web?.Url);

            Service.ServiceNotifier.Ready();
            if (metrics is not null)
            {
                logger.Information("Health on {HealthUrl:l} and Prometheus metrics on {MetricsUrl:l}", new Uri(metrics.Url, "/healthz").ToString(), new Uri(metrics.Url, "/metrics").ToString());
                if (!System.Net.IPAddress.IsLoopback(settings.Metrics!.Address))
                {
                    logger.Warning("The metrics endpoint {MetricsEndPoint:l} is reachable from other machines (it shows counts, never addresses or secrets)", settings.Metrics.ToString());
                }
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            Service.ServiceNotifier.Stopping();
            logger.Information(
                "Stopping: new clients get 421 4.3.2; {OpenSessions} open session(s) get 421 4.3.2 when they next wait for a command, a message in progress has up to {DrainSeconds} s to finish (Ctrl+C again to stop at once)",
                host.Tap.ActiveSessions,
                settings.DrainTimeoutSeconds);
            var cut = await host.Tap.StopAsync(TimeSpan.FromSeconds(settings.DrainTimeoutSeconds), abort);
            if (cut > 0)
            {
                logger.Warning("Stopped {CutSessions} session(s) that had not finished: their clients got 421 4.3.2, a message in progress was not delivered", cut);
            }
        }

        logger.Information("Stopped; every transcript, log and captured message is written");
        return ExitCodes.Ok;
    }

    /// <summary>Every folder and file the tap will write, checked before anything starts.</summary>
    private static void CheckPaths(ProxySettings settings)
    {
        var usesCa = settings.CertFile is null || settings.Upstream.Kind == UpstreamKind.Capture;
        if (usesCa)
        {
            if (File.Exists(settings.CertDirectory))
            {
                throw new UserInputException($"--cert-dir {settings.CertDirectory}: this is a file, not a folder");
            }

            if (!CertificateAuthority.Exists(settings.CertDirectory))
            {
                PathChecks.WritableDirectory(settings.CertDirectory, "--cert-dir");
            }
        }

        if (settings.TranscriptDirectory is { } transcripts)
        {
            PathChecks.WritableDirectory(transcripts, "--transcripts");
        }

        var capture = settings.CaptureDirectory ?? (settings.Upstream.Kind == UpstreamKind.Capture ? ProxyHost.DefaultCaptureDirectory : null);
        if (capture is not null)
        {
            PathChecks.WritableDirectory(capture, "--capture-dir");
        }

        if (settings.LogFile is { } logFile)
        {
            PathChecks.WritableFile(logFile, "--log-file");
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private static void PrintBanner(ProxyHost host, ILogger logger, ProxySettings settings, Uri? webUrl)
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
        if (host.AuthBridge is { } bridge)
        {
            var accounts = bridge.Accounts.List();
            if (accounts.Count == 0)
            {
                logger.Warning("OAuth2 bridge on, but {AccountsFile:l} defines no account yet (smtptap account add NAME ...): every AUTH is relayed unchanged", bridge.Accounts.Home.AccountsFile);
            }
            else
            {
                logger.Information(
                    "OAuth2 bridge on: AUTH PLAIN or LOGIN as {AccountUsers:l} is checked against the account's app password and sent upstream as XOAUTH2/OAUTHBEARER; other users are relayed unchanged",
                    string.Join(", ", accounts.Select(a => (settings.MaskUsernames ? "the user of account " : a.User + " (") + a.Name + (settings.MaskUsernames ? string.Empty : ")"))));
            }
        }

        if (host.Injector is { } injector)
        {
            logger.Information(
                "AUTH injection on {InjectListeners:l}: the tap authenticates every session upstream as account {InjectAccount:l} before its first MAIL; {InjectClients:l}; clients' own AUTH gets 503",
                settings.Listeners.Any(l => l.InjectAuth) ? string.Join(", ", settings.Listeners.Where(l => l.InjectAuth).Select(l => l.Url)) : "every listener",
                injector.Account,
                settings.InjectAuthAllowRemote ? "clients from any address are served (--inject-auth-allow-remote)" : "only clients on this machine (loopback) are served, others get 530 at MAIL");
            if (settings.InjectAuthAllowRemote && settings.Listeners.Any(l => !l.IsLoopback && Core.Hosting.InjectAuthOptions.AppliesTo(l, settings.Listeners)))
            {
                logger.Warning("--inject-auth-allow-remote on a listener reachable from other machines: anyone who can connect sends mail as account {InjectAccount:l} without a password", injector.Account);
            }
        }

        if (host.Capture is not null)
        {
            logger.Information("Built-in capture server on {CaptureEndPoint:l}; messages are stored in {CaptureDirectory:l}", host.Capture.EndPoint.ToString(), Path.GetFullPath(host.CaptureDirectory!));
        }

        if (host.Authority is { } ca)
        {
            var fingerprint = CertificateDescription.Describe(ca.Certificate).FirstOrDefault(l => l.Contains("SHA-256", StringComparison.OrdinalIgnoreCase)) ?? string.Empty;
            logger.Information(
                "Client leg certificates come from the local CA {CaFile:l} ({CaState:l}; {Fingerprint:l}); clients must trust it: smtptap cert export --out smtptap-ca.pem",
                Path.GetFullPath(ca.CertificatePath),
                host.AuthorityCreated ? "just created: no client trusts it yet" : "reused",
                string.Join(' ', fingerprint.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }

        if (webUrl is not null)
        {
            logger.Information("Web UI on {WebUrl:l} (keeps the last {WebHistory} sessions in memory, {WebLines} lines each)", webUrl.ToString(), settings.WebHistory, settings.WebLines);
            if (!System.Net.IPAddress.IsLoopback(settings.Web!.Address))
            {
                logger.Warning("The web UI {WebEndPoint:l} is reachable from other machines over plain HTTP: it shows transcripts (masked) to whoever has the token in the URL above", settings.Web.ToString());
            }
        }

        logger.Information("Press Ctrl+C to stop (open sessions get up to {DrainSeconds} s to finish; Ctrl+C again stops at once)", settings.DrainTimeoutSeconds);
    }
}
