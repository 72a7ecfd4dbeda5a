using System.CommandLine;
using SmtpTap.Core.Hosting;

namespace SmtpTap.Commands;

/// <summary><c>smtptap proxy</c>: listen, relay to the real server (or the capture server), print the transcript.</summary>
internal static class ProxyCommand
{
    private static readonly Option<string[]> s_listen = new("--listen")
    {
        Description = "Where clients connect: smtp://HOST:PORT (plain, STARTTLS offered) or smtps://HOST:PORT (implicit TLS). Repeatable.",
        DefaultValueFactory = _ => ["smtp://127.0.0.1:2525"],
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string> s_upstream = new("--upstream")
    {
        Description = "The real server: smtp://host:port (STARTTLS per --upstream-tls), smtps://host:port (implicit TLS), or 'capture' (built-in capture server).",
        DefaultValueFactory = _ => UpstreamEndpoint.CaptureName,
    };

    private static readonly Option<UpstreamTlsPolicy> s_upstreamTls = new("--upstream-tls")
    {
        Description = "STARTTLS on the upstream leg: auto (whenever offered), required (fail closed with 4xx), none.",
        DefaultValueFactory = _ => UpstreamTlsPolicy.Auto,
        CustomParser = EnumOptionParser.For<UpstreamTlsPolicy>("--upstream-tls"),
        HelpName = "auto|required|none",
    };

    private static readonly Option<string[]> s_upstreamCa = new("--upstream-ca") { Description = "Also trust this CA certificate (PEM or DER) for the upstream server. Repeatable." };

    private static readonly Option<bool> s_upstreamInsecure = new("--upstream-insecure") { Description = "Do not check the upstream certificate (every transcript says so)." };

    private static readonly Option<bool> s_allowPlainAuth = new("--allow-plain-auth") { Description = "Allow AUTH over a plaintext upstream leg to a non-loopback host." };

    private static readonly Option<bool> s_oauth2 = new("--oauth2") { Description = "OAuth2 bridge: a client that sends AUTH PLAIN or LOGIN as the user of an account (smtptap account add/login) is checked against its app password and authenticated upstream with XOAUTH2 or OAUTHBEARER; other users are relayed unchanged." };

    private static readonly Option<string?> s_injectAuth = new("--inject-auth") { Description = "The tap authenticates every session upstream itself as this account (smtptap account add/login), just before the client's first MAIL FROM: for apps that cannot authenticate (scanners, cron jobs). With listeners marked ?inject-auth (e.g. --listen 'smtp://127.0.0.1:2526?inject-auth') only sessions on those; else on every listener. Clients must be on this machine unless --inject-auth-allow-remote; their own AUTH gets 503. Needs --inject-auth-password-env." };

    private static readonly Option<string?> s_injectAuthPasswordEnv = new("--inject-auth-password-env") { Description = "Environment variable that holds the app password of the --inject-auth account (read once at start; the account's store is opened then)." };

    private static readonly Option<bool> s_injectAuthAllowRemote = new("--inject-auth-allow-remote") { Description = "With --inject-auth, also serve clients that are not on this machine (they then send mail as the account without any password)." };

    private static readonly Option<string> s_certDir = new("--cert-dir") { Description = "Home of the local CA and leaf certificates (default: certs/ in the SmtpTap home, $SMTPTAP_HOME or ~/.config/smtptap, whatever the current folder).", DefaultValueFactory = _ => HomePaths.DefaultCertDirectory };

    private static readonly Option<string?> s_cert = new("--cert") { Description = "Your own server certificate for the client leg: a PEM file (with --key) or a PFX/P12 file." };

    private static readonly Option<string?> s_key = new("--key") { Description = "PEM private key for --cert." };

    private static readonly Option<string?> s_certPasswordEnv = new("--cert-password-env") { Description = "Environment variable holding the PFX password for --cert." };

    private static readonly Option<string?> s_transcripts = new("--transcripts") { Description = "Write one transcript file per session into this directory (yyyyMMdd-HHmmss-pPID-sNNNN.log: session start and process id; mode 0600); without a value: transcripts/ in the SmtpTap home.", Arity = ArgumentArity.ZeroOrOne };

    private static readonly Option<bool> s_json = new("--json") { Description = "Print the transcript as JSON Lines instead of text." };

    private static readonly Option<string?> s_captureDir = new("--capture-dir") { Description = "Store each relayed message as an .eml file here (the capture server's store; default 'captured' with --upstream capture); files are mode 0600." };

    private static readonly Option<string?> s_logFile = new("--log-file") { Description = "Also write everything the console shows to this file (created mode 0600)." };

    private static readonly Option<bool> s_showBody = new("--show-body") { Description = "Show message bodies in the transcript (default: headers and a body summary)." };

    private static readonly Option<bool> s_maskUsernames = new("--mask-usernames") { Description = "Mask user names in AUTH exchanges too (for transcripts that leave the company)." };

    private static readonly Option<int> s_maxSessions = new("--max-sessions") { Description = "Concurrent sessions before new clients get 421.", DefaultValueFactory = _ => 1000 };

    private static readonly Option<int> s_maxLineLength = new("--max-line-length") { Description = "Enforce a longest text line inside a message, with CRLF (0, the default: relay any length, as servers do, and flag lines over RFC 5321's 1000 in the transcript).", DefaultValueFactory = _ => 0 };

    private static readonly Option<string> s_lineEndings = new("--line-endings") { Description = "Lines ending in a bare LF: 'reject' refuses them at once with a reply that explains (default); 'fix' normalises them to CRLF so a legacy app can send.", DefaultValueFactory = _ => "reject" };

    private static readonly Option<string> s_clientStartTls = new("--client-starttls") { Description = "Offer STARTTLS to plaintext clients: 'mirror' as the server does (default), 'always', or 'never'.", DefaultValueFactory = _ => "mirror" };

    private static readonly Option<int> s_maxCommandLine = new("--max-command-line") { Description = "Longest command line, with CRLF (default 12288, above what servers take: Postfix 2048; MAIL and RCPT may be twice as long for their parameters). At least 512.", DefaultValueFactory = _ => 12288 };

    private static readonly Option<long> s_maxMessageSize = new("--max-message-size") { Description = "Largest message in octets the tap relays (0: only the server's SIZE applies). Over it: 552 5.3.4.", DefaultValueFactory = _ => 0 };

    private static readonly Option<int> s_idleTimeout = new("--idle-timeout") { Description = "Seconds a client may stay silent, take to finish one command line, or leave replies unread (RFC 5321: at least 300).", DefaultValueFactory = _ => 300 };

    private static readonly Option<int> s_minDataRate = new("--min-data-rate") { Description = "Minimum message data rate in bytes per second for DATA and BDAT; slower clients are cut off with 421 (0: off).", DefaultValueFactory = _ => 500 };

    private static readonly Option<int> s_maxSessionsPerIp = new("--max-sessions-per-ip") { Description = "Concurrent sessions from one client address before it gets 421 (0: no per-address cap).", DefaultValueFactory = _ => 0 };

    private static readonly Option<string[]> s_trustedProxy = new("--trusted-proxy")
    {
        Description = "Who may send a PROXY header to a ?proxy-protocol= listener: a CIDR or an address (e.g. 10.0.0.0/8). Repeatable; default 127.0.0.0/8 and ::1. Others are refused.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string?> s_otlp = new("--otlp") { Description = "Also send every transcript event to this OpenTelemetry (OTLP/HTTP protobuf) logs endpoint, e.g. http://collector:4318/v1/logs." };

    private static readonly Option<string?> s_metrics = new("--metrics") { Description = "Serve /healthz and Prometheus /metrics on this HOST:PORT (e.g. 127.0.0.1:9025; port 0 picks one)." };

    private static readonly Option<string?> s_web = new("--web") { Description = "Serve the live web UI (sessions and their transcripts, JSON API) on this HOST:PORT, e.g. 127.0.0.1:8025 (port 0 picks one). Off by default." };

    private static readonly Option<bool> s_webAllowRemote = new("--web-allow-remote") { Description = "Allow --web on a non-loopback address; every page and API call then needs the random token printed at start." };

    private static readonly Option<int> s_webHistory = new("--web-history") { Description = "Sessions the web UI keeps in memory (the oldest is dropped; transcript files keep everything). Default 1000.", DefaultValueFactory = _ => 1000 };

    private static readonly Option<int> s_webLines = new("--web-lines") { Description = "Transcript lines the web UI keeps in memory per session: the first half and the newest half (the lines between are counted; transcript files keep everything). Default 200.", DefaultValueFactory = _ => SmtpTap.Web.SessionStore.DefaultMaxLinesPerSession };

    private static readonly Option<string?> s_config = new(Configuration.ProxyConfiguration.ConfigOption) { Description = "Read options from this JSON file (keys: the long option names; lists for repeatable options). Environment variables SMTPTAP_<NAME> come next; the command line wins over both." };

    /// <summary>Every option of the command, for the configuration file and environment layer.</summary>
    public static IReadOnlyList<Option> Options => [.. Create().Options];


    private static readonly Option<int> s_drainTimeout = new("--drain-timeout") { Description = "Seconds a message in progress may take to finish after Ctrl+C or SIGTERM; idle clients get 421 4.3.2 at once; a second Ctrl+C stops at once.", DefaultValueFactory = _ => 30 };

    public static Command Create(ShutdownSignals? signals = null)
    {
        var command = new Command("proxy", "Listen for mail clients and relay each session to the real server, printing a masked transcript.");
        foreach (var option in new Option[] { s_config, s_listen, s_upstream, s_upstreamTls, s_upstreamCa, s_upstreamInsecure, s_allowPlainAuth, s_oauth2, s_injectAuth, s_injectAuthPasswordEnv, s_injectAuthAllowRemote, s_certDir, s_cert, s_key, s_certPasswordEnv, s_transcripts, s_json, s_captureDir, s_logFile, s_showBody, s_maskUsernames, s_maxSessions, s_maxLineLength, s_lineEndings, s_clientStartTls, s_maxCommandLine, s_maxMessageSize, s_idleTimeout, s_minDataRate, s_maxSessionsPerIp, s_drainTimeout, s_metrics, s_otlp, s_web, s_webAllowRemote, s_webHistory, s_webLines, s_trustedProxy })
        {
            command.Options.Add(option);
        }

        ProxyHelp.Apply(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (!TryBuild(parseResult, out var settings, out var problem))
            {
                error.WriteLine("smtptap proxy: " + problem);
                return Task.FromResult(ExitCodes.Usage);
            }

            return ProxyRunner.RunAsync(settings!, output, error, cancellationToken, signals?.ObserveAbort() ?? CancellationToken.None);
        });
        return command;
    }

    internal static bool TryBuild(ParseResult parseResult, out ProxySettings? settings, out string? problem)
    {
        settings = null;
        var listeners = new List<ListenerEndpoint>();
        foreach (var text in parseResult.GetValue(s_listen) ?? [])
        {
            if (!ListenerEndpoint.TryParse(text, out var endpoint, out problem))
            {
                return false;
            }

            listeners.Add(endpoint!);
        }

        if (!UpstreamEndpoint.TryParse(parseResult.GetValue(s_upstream) ?? UpstreamEndpoint.CaptureName, out var upstream, out problem))
        {
            return false;
        }

        var cert = parseResult.GetValue(s_cert);
        var key = parseResult.GetValue(s_key);
        if (key is not null && cert is null)
        {
            problem = "--key needs --cert";
            return false;
        }

        var maxSessions = parseResult.GetValue(s_maxSessions);
        var maxLine = parseResult.GetValue(s_maxLineLength);
        if (maxSessions < 1 || (maxLine != 0 && maxLine < 80))
        {
            problem = "--max-sessions must be at least 1 and --max-line-length 0 (no limit) or at least 80";
            return false;
        }

        var lineEndingsText = parseResult.GetValue(s_lineEndings) ?? "reject";
        Core.Protocol.LineEndingPolicy lineEndings;
        switch (lineEndingsText.ToLowerInvariant())
        {
            case "reject":
                lineEndings = Core.Protocol.LineEndingPolicy.Reject;
                break;
            case "fix":
                lineEndings = Core.Protocol.LineEndingPolicy.Fix;
                break;
            default:
                problem = $"--line-endings must be 'reject' or 'fix', not '{lineEndingsText}'";
                return false;
        }

        var clientStartTlsText = parseResult.GetValue(s_clientStartTls) ?? "mirror";
        ClientStartTlsPolicy clientStartTls;
        switch (clientStartTlsText.ToLowerInvariant())
        {
            case "mirror":
                clientStartTls = ClientStartTlsPolicy.Mirror;
                break;
            case "always":
                clientStartTls = ClientStartTlsPolicy.Always;
                break;
            case "never":
                clientStartTls = ClientStartTlsPolicy.Never;
                break;
            default:
                problem = $"--client-starttls must be 'mirror', 'always' or 'never', not '{clientStartTlsText}'";
                return false;
        }

        var maxCommandLine = parseResult.GetValue(s_maxCommandLine);
        var maxMessageSize = parseResult.GetValue(s_maxMessageSize);
        var idleTimeout = parseResult.GetValue(s_idleTimeout);
        var minDataRate = parseResult.GetValue(s_minDataRate);
        if (maxCommandLine < 512 || maxMessageSize < 0)
        {
            problem = "--max-command-line must be at least 512 (RFC 5321) and --max-message-size 0 or more";
            return false;
        }

        var maxPerIp = parseResult.GetValue(s_maxSessionsPerIp);
        if (idleTimeout < 1 || minDataRate < 0 || maxPerIp < 0)
        {
            problem = "--idle-timeout must be at least 1 second, --min-data-rate and --max-sessions-per-ip at least 0";
            return false;
        }

        System.Net.IPEndPoint? metrics = null;
        if (parseResult.GetValue(s_metrics) is { } metricsText && !System.Net.IPEndPoint.TryParse(metricsText, out metrics))
        {
            problem = $"--metrics must be HOST:PORT with an IP address (e.g. 127.0.0.1:9025), not '{metricsText}'";
            return false;
        }

        System.Net.IPEndPoint? web = null;
        if (parseResult.GetValue(s_web) is { } webText && !System.Net.IPEndPoint.TryParse(webText, out web))
        {
            problem = $"--web must be HOST:PORT with an IP address (e.g. 127.0.0.1:8025), not '{webText}'";
            return false;
        }

        var webAllowRemote = parseResult.GetValue(s_webAllowRemote);
        if (web is not null && !System.Net.IPAddress.IsLoopback(web.Address) && !webAllowRemote)
        {
            problem = $"--web {web} is reachable from other machines: add --web-allow-remote (every page and API call then needs the token printed at start), or bind 127.0.0.1";
            return false;
        }

        if (webAllowRemote && web is null)
        {
            problem = "--web-allow-remote needs --web HOST:PORT";
            return false;
        }

        var webHistory = parseResult.GetValue(s_webHistory);
        if (webHistory < 1)
        {
            problem = "--web-history must be at least 1 session";
            return false;
        }

        var webLines = parseResult.GetValue(s_webLines);
        if (webLines < 1)
        {
            problem = "--web-lines must be at least 1 line";
            return false;
        }

        Uri? otlp = null;
        if (parseResult.GetValue(s_otlp) is { } otlpText && (!Uri.TryCreate(otlpText, UriKind.Absolute, out otlp) || otlp.Scheme is not ("http" or "https")))
        {
            problem = $"--otlp must be an http:// or https:// URL (e.g. http://collector:4318/v1/logs), not '{otlpText}'";
            return false;
        }

        var drainTimeout = parseResult.GetValue(s_drainTimeout);
        if (drainTimeout < 0)
        {
            problem = "--drain-timeout must be 0 or more seconds";
            return false;
        }

        if (!TryBuildInjectAuth(parseResult, listeners, out problem))
        {
            return false;
        }

        if (!TryBuildTrustedProxies(parseResult.GetValue(s_trustedProxy) ?? [], listeners, out var trustedProxies, out problem))
        {
            return false;
        }

        settings = new ProxySettings
        {
            Metrics = metrics,
            Web = web,
            WebAllowRemote = webAllowRemote,
            WebHistory = webHistory,
            WebLines = webLines,
            Otlp = otlp,
            Listeners = listeners,
            Upstream = upstream!,
            UpstreamTls = parseResult.GetValue(s_upstreamTls),
            UpstreamCaFiles = parseResult.GetValue(s_upstreamCa) ?? [],
            UpstreamInsecure = parseResult.GetValue(s_upstreamInsecure),
            AllowPlainAuth = parseResult.GetValue(s_allowPlainAuth),
            OAuth2 = parseResult.GetValue(s_oauth2),
            InjectAuth = parseResult.GetValue(s_injectAuth),
            InjectAuthPasswordEnv = parseResult.GetValue(s_injectAuthPasswordEnv),
            InjectAuthAllowRemote = parseResult.GetValue(s_injectAuthAllowRemote),
            CertDirectory = parseResult.GetValue(s_certDir) ?? HomePaths.DefaultCertDirectory,
            CertFile = cert,
            KeyFile = key,
            CertPasswordEnv = parseResult.GetValue(s_certPasswordEnv),
            TranscriptDirectory = parseResult.GetResult(s_transcripts) is { Tokens.Count: 0 } ? HomePaths.DefaultTranscriptDirectory : parseResult.GetValue(s_transcripts),
            Json = parseResult.GetValue(s_json),
            CaptureDirectory = parseResult.GetValue(s_captureDir),
            LogFile = parseResult.GetValue(s_logFile),
            ShowBody = parseResult.GetValue(s_showBody),
            MaskUsernames = parseResult.GetValue(s_maskUsernames),
            MaxSessions = maxSessions,
            MaxLineLength = maxLine,
            LineEndings = lineEndings,
            ClientStartTls = clientStartTls,
            MaxCommandLine = maxCommandLine,
            MaxMessageSize = maxMessageSize,
            IdleTimeoutSeconds = idleTimeout,
            MinDataRate = minDataRate,
            MaxSessionsPerAddress = maxPerIp,
            DrainTimeoutSeconds = drainTimeout,
            TrustedProxies = trustedProxies!,
        };
        problem = null;
        return true;
    }

    private static bool TryBuildInjectAuth(ParseResult parseResult, List<ListenerEndpoint> listeners, out string? problem)
    {
        var account = parseResult.GetValue(s_injectAuth);
        var passwordEnv = parseResult.GetValue(s_injectAuthPasswordEnv);
        problem = account switch
        {
            null when listeners.Find(l => l.InjectAuth) is { } marked => $"--listen {marked.Url} is marked inject-auth, which needs --inject-auth ACCOUNT",
            null when passwordEnv is not null || parseResult.GetValue(s_injectAuthAllowRemote) => "--inject-auth-password-env and --inject-auth-allow-remote need --inject-auth ACCOUNT",
            null => null,
            _ when passwordEnv is null => "--inject-auth needs --inject-auth-password-env VAR (the environment variable holding the account's app password; never the password itself)",
            _ when !passwordEnv.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || passwordEnv.Length == 0 || char.IsAsciiDigit(passwordEnv[0]) =>
                "--inject-auth-password-env takes the NAME of an environment variable (letters, digits, '_'), not its value",
            _ when parseResult.GetValue(s_oauth2) && listeners.TrueForAll(l => InjectAuthOptions.AppliesTo(l, listeners)) =>
                "--inject-auth on every listener leaves none for --oauth2 (injected sessions take no AUTH from clients): mark the injecting listeners, e.g. --listen 'smtp://127.0.0.1:2526?inject-auth', and the others take the bridge",
            _ => null,
        };
        return problem is null;
    }

    private static bool TryBuildTrustedProxies(string[] texts, List<ListenerEndpoint> listeners, out Core.ProxyProtocol.TrustedProxies? trusted, out string? problem)
    {
        trusted = Core.ProxyProtocol.TrustedProxies.Loopback;
        problem = null;
        if (texts.Length == 0)
        {
            return true;
        }

        if (listeners.TrueForAll(l => l.ProxyProtocol == Core.ProxyProtocol.ProxyProtocolVersion.None))
        {
            problem = "--trusted-proxy needs a listener that reads PROXY headers, e.g. --listen 'smtp://0.0.0.0:2525?proxy-protocol=v2'";
            return false;
        }

        var networks = new List<System.Net.IPNetwork>();
        foreach (var text in texts)
        {
            if (!Core.ProxyProtocol.TrustedProxies.TryParseNetwork(text, out var network, out problem))
            {
                return false;
            }

            networks.Add(network);
        }

        trusted = new Core.ProxyProtocol.TrustedProxies(networks);
        return true;
    }
}
