using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmtpTap.Bench.Host;

/// <summary>
/// The real <c>smtptap proxy</c> (the CLI built next to the bench) as a child process on 127.0.0.1: listener, metrics and
/// (optionally) web UI on ports picked free just before the start; its console (the live transcript) goes to /dev/null,
/// its stderr to a file in its folder. Ready once <c>/healthz</c> answers 200 (listeners bound, upstream reachable).
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;

    private ProxyProcess(Process process, string folder, int smtpPort, int metricsPort, int? webPort)
    {
        _process = process;
        Folder = folder;
        EndPoint = new IPEndPoint(IPAddress.Loopback, smtpPort);
        MetricsUrl = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        WebUrl = webPort is { } w ? new Uri($"http://127.0.0.1:{w}/") : null;
    }

    public IPEndPoint EndPoint { get; }

    public Uri MetricsUrl { get; }

    /// <summary>The web UI's page, or null when started without <c>--web</c>.</summary>
    public Uri? WebUrl { get; }

    /// <summary>Its home, cert, capture and stderr folder (deleted on dispose).</summary>
    public string Folder { get; }

    public string CaptureDirectory => Path.Combine(Folder, "captured");

    public int Pid => _process.Id;

    /// <param name="upstream">An upstream URL (<c>smtp://127.0.0.1:PORT</c>) or <c>capture</c> (the built-in capture server).</param>
    /// <param name="web">Start with <c>--web 127.0.0.1:PORT</c>.</param>
    public static async Task<ProxyProcess> StartAsync(string upstream, bool web, IEnumerable<string> extra, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("smtptap-webbench-").FullName;
        var smtpPort = FreePort();
        var metricsPort = FreePort();
        int? webPort = web ? FreePort() : null;
        var executable = Path.Combine(AppContext.BaseDirectory, "smtptap");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = folder };
        start.Environment["SMTPTAP_HOME"] = Path.Combine(folder, "home");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >/dev/null 2>>stderr.txt");
        string[] arguments =
        [
            executable, "proxy", "--listen", $"smtp://127.0.0.1:{smtpPort}", "--upstream", upstream,
            "--cert-dir", Path.Combine(folder, "certs"), "--metrics", $"127.0.0.1:{metricsPort}", "--max-sessions", "10000",
            .. upstream == "capture" ? ["--capture-dir", Path.Combine(folder, "captured")] : Array.Empty<string>(),
            .. web ? ["--web", $"127.0.0.1:{webPort}"] : Array.Empty<string>(),
            .. extra,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start smtptap proxy");
        var proxy = new ProxyProcess(process, folder, smtpPort, metricsPort, webPort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("smtptap proxy exited: " + File.ReadAllText(Path.Combine(folder, "stderr.txt")));
            }

            try
            {
                using var health = await s_http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/healthz"), cancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return proxy;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await proxy.DisposeAsync();
                throw new InvalidOperationException("smtptap proxy did not become healthy within 60 s");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>One value of the Prometheus text at /metrics (the sum over its label sets), or NaN when absent.</summary>
    public async Task<double> MetricAsync(string name, CancellationToken cancellationToken)
    {
        var text = await s_http.GetStringAsync(MetricsUrl, cancellationToken);
        var found = false;
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            {
                found = true;
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return found ? sum : double.NaN;
    }

    /// <summary>Deletes the stored .eml files (the capture upstream keeps every message) between rounds.</summary>
    public void ClearCaptured()
    {
        if (Directory.Exists(CaptureDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(CaptureDirectory, "*", SearchOption.AllDirectories))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>A port nobody listens on right now (bound to port 0 and released; the child binds it a moment later).</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token);
        }

        _process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
