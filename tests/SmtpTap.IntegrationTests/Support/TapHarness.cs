using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using SmtpTap.Certificates;
using SmtpTap.Core.Capture;
using SmtpTap.Core.Hosting;
using SmtpTap.Logging;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// A capture server and a tap in front of it, both on 127.0.0.1 port 0, with the tap's transcript going
/// to an in-memory console. The client leg uses the tap's local CA; clients verify it with that CA only.
/// </summary>
internal sealed class TapHarness : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LeafCertificateCache _leaves;
    private readonly Serilog.Core.Logger _logger;

    private TapHarness(LegMode client, LegMode upstream, Func<TapOptions, TapOptions>? configure, CaptureServerOptions? captureOverride, bool json, int? scriptedPort = null, Func<LeafCertificateCache, string, CaptureServerOptions>? captureFactory = null)
    {
        ScriptedPort = scriptedPort;
        ClientMode = client;
        UpstreamMode = upstream;
        Authority = CertificateAuthority.LoadOrCreate(_temp.Sub("certs"));
        _leaves = new LeafCertificateCache(Authority, "localhost");
        _logger = LoggingSetup.Create(new OutputOptions { Json = json, TranscriptDirectory = _temp.Sub("transcripts"), LogFile = _temp.Sub("tap.log") }, Console);
        CaptureDirectory = _temp.Sub("captured");
        CaptureOptions = captureFactory?.Invoke(_leaves, CaptureDirectory) ?? captureOverride ?? new CaptureServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Certificates = upstream == LegMode.Plain ? null : _leaves,
            ImplicitTls = upstream == LegMode.Implicit,
            CaptureDirectory = CaptureDirectory,
        };
        Configure = configure;
    }

    public LegMode ClientMode { get; }

    public LegMode UpstreamMode { get; }

    public CertificateAuthority Authority { get; }

    /// <summary>Leaves from the tap's CA, which the tap trusts upstream too: a scripted upstream can do TLS with them.</summary>
    public LeafCertificateCache Leaves => _leaves;

    public StringWriterSync Console { get; } = new();

    public string CaptureDirectory { get; }

    public string TranscriptDirectory => _temp.Sub("transcripts");

    public string LogFile => _temp.Sub("tap.log");

    public CaptureServerOptions CaptureOptions { get; }

    public CaptureServer Capture { get; private set; } = null!;

    /// <summary>Port of a scripted upstream used instead of the capture server.</summary>
    public int? ScriptedPort { get; }

    public TapServer Tap { get; private set; } = null!;

    public int Port => Tap.BoundListeners[0].Port;

    private Func<TapOptions, TapOptions>? Configure { get; }

    public static async Task<TapHarness> StartAsync(LegMode client = LegMode.Plain, LegMode upstream = LegMode.StartTls, Func<TapOptions, TapOptions>? configure = null, CaptureServerOptions? capture = null, bool json = false, Func<LeafCertificateCache, string, CaptureServerOptions>? captureFactory = null)
    {
        var harness = new TapHarness(client, upstream, configure, capture, json, null, captureFactory);
        await harness.StartInternalAsync();
        return harness;
    }

    /// <summary>A tap in front of a scripted upstream (no capture server).</summary>
    public static async Task<TapHarness> StartScriptedAsync(ScriptedServer server, LegMode client = LegMode.Plain, LegMode upstream = LegMode.Plain, Func<TapOptions, TapOptions>? configure = null, bool json = false)
    {
        var harness = new TapHarness(client, upstream, configure, null, json, server.Port);
        await harness.StartInternalAsync();
        return harness;
    }

    private async Task StartInternalAsync()
    {
        int port;
        if (ScriptedPort is { } scripted)
        {
            port = scripted;
        }
        else
        {
            Capture = new CaptureServer(CaptureOptions, Serilog.Core.Logger.None);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await Capture.StartAsync(cts.Token);
            port = Capture.EndPoint.Port;
        }

        var upstream = new UpstreamEndpoint(UpstreamMode == LegMode.Implicit ? UpstreamKind.Smtps : UpstreamKind.Smtp, "localhost", port);
        var options = new TapOptions
        {
            Listeners = [new ListenerEndpoint("127.0.0.1", IPAddress.Loopback, 0, ClientMode == LegMode.Implicit)],
            Upstream = upstream,
            UpstreamTls = UpstreamMode == LegMode.Plain ? UpstreamTlsPolicy.None : UpstreamTlsPolicy.Required,
            UpstreamTrustedCas = [Authority.Certificate],

            // The harness's upstreams (capture server as a plain "smtp://" upstream, scripted servers) offer no STARTTLS
            // themselves; tests of the client leg's TLS need the tap to offer it. Tests of mirroring set Mirror.
            ClientStartTls = ClientStartTlsPolicy.Always,
        };
        options = Configure?.Invoke(options) ?? options;
        Tap = new TapServer(options, options.Upstream, _leaves, _logger);
        Tap.Start();
    }

    /// <summary>A MailKit client connected through the tap per the client leg mode, verifying the tap with its CA only.</summary>
    public async Task<SmtpClient> ConnectClientAsync(string host = "localhost", CancellationToken cancellationToken = default)
    {
        var client = new SmtpClient { Timeout = 30_000, ServerCertificateValidationCallback = ValidateWithTapCa };
        var options = ClientMode switch
        {
            LegMode.Implicit => SecureSocketOptions.SslOnConnect,
            LegMode.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        await client.ConnectAsync(host, Port, options, cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return client;
    }

    /// <summary>Chain check against the tap's CA alone (custom root trust) plus the name check SslStream did.</summary>
    /// <summary>One MailKit session through the tap that sends <see cref="TestMessages.Simple"/> with the tag and quits.</summary>
    public async Task SendMessageAsync(string tag)
    {
        using var smtp = await ConnectClientAsync();
        await smtp.SendAsync(TestMessages.Simple(tag));
        await smtp.DisconnectAsync(true);
    }

    public bool ValidateWithTapCa(object sender, X509Certificate? certificate, X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.Add(Authority.Certificate);
        return custom.Build(leaf);
    }

    public string Transcript => Console.ToString();

    /// <summary>Waits (bounded) until the transcript contains the text; sessions log their close after the client is gone.</summary>
    public async Task<string> WaitForTranscriptAsync(string text, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var transcript = Transcript;
            if (Occurrences(transcript, text) >= count)
            {
                return transcript;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"transcript never showed '{text}' {count} time(s):\n{Transcript}");
        return string.Empty;
    }

    private static int Occurrences(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>Every output the tap wrote: console, per-session transcript files, log file.</summary>
    public async Task<string> AllOutputAsync()
    {
        await _logger.DisposeAsync();
        var parts = new List<string> { Console.ToString() };
        if (Directory.Exists(TranscriptDirectory))
        {
            foreach (var file in Directory.GetFiles(TranscriptDirectory))
            {
                parts.Add(await File.ReadAllTextAsync(file));
            }
        }

        if (File.Exists(LogFile))
        {
            parts.Add(await File.ReadAllTextAsync(LogFile));
        }

        return string.Join("\n", parts);
    }

    public async ValueTask DisposeAsync()
    {
        await Tap.DisposeAsync();
        if (Capture is not null)
        {
            await Capture.DisposeAsync();
        }

        await _logger.DisposeAsync();
        _leaves.Dispose();
        Authority.Dispose();
        _temp.Dispose();
    }
}
