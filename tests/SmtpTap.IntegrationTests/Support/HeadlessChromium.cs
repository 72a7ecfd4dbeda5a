using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket; no driver, no browser download).
/// Installs the <c>chromium</c> package with apt-get when it is missing (as root), so <c>bash tests/run.sh</c> works on
/// a fresh Debian machine; elsewhere it fails and says why.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";
    private static readonly SemaphoreSlim s_install = new(1, 1);
    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessChromium(Process process, DirectoryInfo profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    public static async Task<HeadlessChromium> OpenAsync(Uri url)
    {
        await EnsureInstalledAsync();
        var profile = Directory.CreateTempSubdirectory("smtptap-chromium-");
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile.FullName, "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", url.ToString(),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var portFile = Path.Combine(profile.FullName, "DevToolsActivePort");
            await Eventually.HoldsAsync(() => File.Exists(portFile) && File.ReadAllLines(portFile).Length >= 2, "Chromium writes its DevTools port", TimeSpan.FromSeconds(60));
            var port = File.ReadAllLines(portFile)[0].Trim();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            string? pageSocket = null;
            await Eventually.HoldsAsync(
                () =>
                {
                    var targets = JsonDocument.Parse(http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")).GetAwaiter().GetResult()).RootElement;
                    pageSocket = targets.EnumerateArray().Where(t => t.GetProperty("type").GetString() == "page").Select(t => t.GetProperty("webSocketDebuggerUrl").GetString()).FirstOrDefault();
                    return pageSocket is not null;
                },
                "Chromium lists the page",
                TimeSpan.FromSeconds(60));
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(pageSocket!), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            return new HeadlessChromium(process, profile, socket);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value (JSON).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = JsonSerializer.Serialize(new { id, method = "Runtime.evaluate", @params = new { expression, returnByValue = true } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var root = JsonDocument.Parse(message.ToArray()).RootElement;
            if (root.TryGetProperty("id", out var answered) && answered.GetInt32() == id)
            {
                Assert.False(root.TryGetProperty("error", out var error), "DevTools error: " + error);
                var result = root.GetProperty("result");
                Assert.False(result.TryGetProperty("exceptionDetails", out var exception), "the expression threw: " + exception);
                return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
            }
        }
    }

    /// <summary>Polls a boolean expression until it is true.</summary>
    public async Task WaitUntilAsync(string expression, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await EvaluateAsync(expression)).ValueKind != JsonValueKind.True)
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(100);
        }
    }

    private static async Task EnsureInstalledAsync()
    {
        if (File.Exists(Executable))
        {
            return;
        }

        await s_install.WaitAsync();
        try
        {
            if (File.Exists(Executable))
            {
                return;
            }

            Assert.True(Environment.UserName == "root" && File.Exists("/usr/bin/apt-get"), "the browser test needs Debian's chromium package: run as root with apt-get (it installs it), or apt-get install chromium");
            foreach (var command in new[] { "update", "install -y --no-install-recommends chromium" })
            {
                var apt = new ProcessStartInfo("/usr/bin/apt-get", command) { RedirectStandardOutput = true, RedirectStandardError = true };
                apt.Environment["DEBIAN_FRONTEND"] = "noninteractive";
                using var process = Process.Start(apt)!;
                var output = process.StandardOutput.ReadToEndAsync();
                var errors = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(15));
                Assert.True(process.ExitCode == 0, $"apt-get {command} failed: {await output}{await errors}");
            }
        }
        finally
        {
            s_install.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
