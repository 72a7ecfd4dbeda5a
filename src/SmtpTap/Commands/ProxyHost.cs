using System.Net;
using System.Security.Cryptography.X509Certificates;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;
using SmtpTap.Core.Hosting;

namespace SmtpTap.Commands;

/// <summary>
/// The composition root of <c>smtptap proxy</c>: certificates, the capture server when it is the upstream,
/// and the tap's listeners. Tests start it in-process with port 0 listeners.
/// </summary>
internal sealed class ProxyHost : IAsyncDisposable
{
    /// <summary>Where the capture server stores messages unless --capture-dir says otherwise.</summary>
    public const string DefaultCaptureDirectory = "captured";

    private readonly List<IDisposable> _owned = [];

    private ProxyHost()
    {
    }

    public TapServer Tap { get; private set; } = null!;

    public CaptureServer? Capture { get; private set; }

    public CertificateAuthority? Authority { get; private set; }

    /// <summary>True if this start created the local CA (a new one the clients do not trust yet); false if it reused one.</summary>
    public bool AuthorityCreated { get; private set; }

    private CertificateAuthority LoadAuthority(string directory)
    {
        AuthorityCreated = !CertificateAuthority.Exists(directory);
        return CertificateAuthority.LoadOrCreate(directory);
    }

    public UpstreamEndpoint Upstream { get; private set; } = null!;

    /// <summary>The OAuth2 bridge over the SmtpTap home's accounts (--oauth2), or null.</summary>
    public Bridge.AccountAuthBridge? AuthBridge { get; private set; }

    /// <summary>The account every session is authenticated upstream with (--inject-auth), or null.</summary>
    public Bridge.AccountAuthInjector? Injector { get; private set; }

    public string? CaptureDirectory { get; private set; }

    /// <summary>Where the health check connects to see that the upstream is reachable (the capture server's loopback port for capture).</summary>
    public string UpstreamHost => Capture is not null ? "127.0.0.1" : Upstream.Host;

    public int UpstreamPort => Upstream.Port;

    /// <param name="observers">Observers of every session's transcript besides the Serilog output (the web UI's store).</param>
    public static async Task<ProxyHost> StartAsync(ProxySettings settings, Serilog.ILogger logger, CancellationToken cancellationToken, IReadOnlyList<Core.Transcript.ITranscriptObserver>? observers = null)
    {
        var host = new ProxyHost();
        try
        {
            await host.InitializeAsync(settings, logger, observers ?? [], cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(ProxySettings settings, Serilog.ILogger logger, IReadOnlyList<Core.Transcript.ITranscriptObserver> observers, CancellationToken cancellationToken)
    {
        // First: a wrong app password stops the start before anything listens.
        // One bridge for both: the injected account and a client's bridged AUTH share its token cache and its one refresh at a time.
        Bridge.AccountAuthBridge? bridge = settings.OAuth2 || settings.InjectAuth is not null
            ? CreateAuthBridge(settings.InjectAuth is { } named ? "--inject-auth " + named : "--oauth2")
            : null;
        InjectAuthOptions? inject = null;
        if (settings.InjectAuth is { } injectAccount)
        {
            Injector = CreateInjector(bridge!, injectAccount, settings.InjectAuthPasswordEnv!);
            inject = new InjectAuthOptions { Injector = Injector, AllowRemote = settings.InjectAuthAllowRemote };
        }

        AuthBridge = settings.OAuth2 ? bridge : null;

        var certificates = LoadClientLegCertificates(settings);
        var trusted = new List<X509Certificate2>();
        foreach (var file in settings.UpstreamCaFiles)
        {
            trusted.Add(CertificateFileReader.ReadCertificate(file, "--upstream-ca"));
        }

        var upstream = settings.Upstream;
        string? tapCaptureDirectory = settings.CaptureDirectory;
        if (upstream.Kind == UpstreamKind.Capture)
        {
            Authority ??= LoadAuthority(settings.CertDirectory);
            var captureCertificates = new LeafCertificateCache(Authority, "localhost");
            _owned.Add(captureCertificates);
            CaptureDirectory = settings.CaptureDirectory ?? DefaultCaptureDirectory;
            Capture = new CaptureServer(
                new CaptureServerOptions
                {
                    EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                    Certificates = captureCertificates,
                    CaptureDirectory = CaptureDirectory,
                },
                logger.ForContext("SessionId", "cap"));
            await Capture.StartAsync(cancellationToken);
            upstream = new UpstreamEndpoint(UpstreamKind.Capture, "localhost", Capture.EndPoint.Port);
            trusted.Add(Authority.Certificate);
            tapCaptureDirectory = null;
        }

        Upstream = upstream;

        var options = new TapOptions
        {
            Listeners = settings.Listeners,
            Upstream = upstream,
            UpstreamTls = settings.UpstreamTls,
            UpstreamTrustedCas = trusted,
            UpstreamInsecure = settings.UpstreamInsecure,
            AllowPlainAuth = settings.AllowPlainAuth,
            CaptureDirectory = tapCaptureDirectory,
            ShowBody = settings.ShowBody,
            MaskUsernames = settings.MaskUsernames,
            LineEndings = settings.LineEndings,
            ClientStartTls = settings.ClientStartTls,
            TrustedProxies = settings.TrustedProxies,
            AuthBridge = AuthBridge,
            InjectAuth = inject,
            TranscriptObservers = observers,
            Limits = new TapLimits
            {
                MaxSessions = settings.MaxSessions,
                MaxDataLine = settings.MaxLineLength,
                MaxCommandLine = settings.MaxCommandLine,
                MaxMessageSize = settings.MaxMessageSize,
                ClientIdleTimeout = TimeSpan.FromSeconds(settings.IdleTimeoutSeconds),
                CommandDeadline = TimeSpan.FromSeconds(settings.IdleTimeoutSeconds),
                DataRateGrace = TimeSpan.FromSeconds(settings.IdleTimeoutSeconds),
                ClientWriteTimeout = TimeSpan.FromSeconds(settings.IdleTimeoutSeconds),
                MinDataRate = settings.MinDataRate,
                MaxSessionsPerAddress = settings.MaxSessionsPerAddress,
            },
        };
        Tap = new TapServer(options, upstream, certificates, logger);
        Tap.Start();
    }

    /// <param name="option">The option that needs the accounts, named in a failure.</param>
    private Bridge.AccountAuthBridge CreateAuthBridge(string option)
    {
        try
        {
            var home = OAuth.SmtpTapHome.Resolve(Environment.GetEnvironmentVariable);
            var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            _owned.Add(http);
            var bridge = Bridge.AccountAuthBridge.Create(home, http, Environment.GetEnvironmentVariable);
            bridge.Accounts.List();
            return bridge;
        }
        catch (OAuth.OAuthException ex)
        {
            throw new UserInputException(option + ": " + ex.Message);
        }
    }

    /// <summary>Opens the --inject-auth account's store with the app password from the environment: a wrong one stops the start.</summary>
    private static Bridge.AccountAuthInjector CreateInjector(Bridge.AccountAuthBridge bridge, string account, string passwordVariable)
    {
        var appPassword = Environment.GetEnvironmentVariable(passwordVariable);
        if (string.IsNullOrEmpty(appPassword))
        {
            throw new UserInputException($"--inject-auth-password-env: environment variable {passwordVariable} is not set (it must hold the app password of account '{account}')");
        }

        try
        {
            return Bridge.AccountAuthInjector.Open(bridge, account, appPassword);
        }
        catch (OAuth.WrongAppPasswordException)
        {
            throw new UserInputException($"--inject-auth {account}: the app password in {passwordVariable} does not open the account (wrong app password, or its store was replaced); nothing was started");
        }
        catch (OAuth.OAuthException ex)
        {
            throw new UserInputException($"--inject-auth {account}: " + ex.Message);
        }
    }

    private IServerCertificateSource LoadClientLegCertificates(ProxySettings settings)
    {
        if (settings.CertFile is { } certFile)
        {
            var pem = settings.KeyFile is null ? PemKind(certFile) : null;
            if (pem == false)
            {
                throw new UserInputException($"--cert {certFile} is a PEM certificate without its private key: give the key with --key FILE (only a PFX/P12 file carries its own key)");
            }

            var certificate = (settings.KeyFile ?? (pem == true ? certFile : null)) is { } keyFile
                ? CertificateFileReader.Run(() => CertificateFiles.LoadPemPair(certFile, keyFile), certFile)
                : CertificateFileReader.Run(() => CertificateFiles.LoadPfx(certFile, settings.CertPasswordEnv is { } env ? Environment.GetEnvironmentVariable(env) : null), certFile);
            return new FixedCertificateSource(certificate);
        }

        Authority = LoadAuthority(settings.CertDirectory);
        var defaultName = settings.Listeners.Count > 0 ? DefaultName(settings.Listeners[0]) : "localhost";
        var cache = new LeafCertificateCache(Authority, defaultName);
        _owned.Add(cache);
        return cache;
    }

    /// <summary>Null: not a PEM file (or missing); true: PEM with a private key block in it; false: PEM without one.</summary>
    private static bool? PemKind(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--cert {path}: cannot read the file ({ex.Message})");
        }

        return text.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal) ? text.Contains("PRIVATE KEY-----", StringComparison.Ordinal) : null;
    }

    private static string DefaultName(ListenerEndpoint listener) =>
        IPAddress.IsLoopback(listener.Address) || listener.Address.Equals(IPAddress.Any) || listener.Address.Equals(IPAddress.IPv6Any) ? "localhost" : listener.Host;

    public async ValueTask DisposeAsync()
    {
        if (Tap is not null)
        {
            await Tap.DisposeAsync();
        }

        if (Capture is not null)
        {
            await Capture.DisposeAsync();
        }

        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        Authority?.Dispose();
    }
}
