using System.Diagnostics;
using System.Globalization;

namespace SmtpTap.Bench.Host;

/// <summary>
/// Who watches the web UI during a run: Debian's headless Chromium with the sessions page open (its EventSource on
/// <c>/api/events</c> connected for the whole run, re-rendering the list on every event), and curl reading the same
/// server-sent event stream as fast as it comes. Both are child processes with their output thrown away.
/// </summary>
internal sealed class WebWatchers : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly List<Process> _processes;
    private readonly DirectoryInfo _profile;

    private WebWatchers(List<Process> processes, DirectoryInfo profile, int webPort)
    {
        _processes = processes;
        _profile = profile;
        WebPort = webPort;
    }

    public int WebPort { get; }

    /// <summary>Pids of the watcher processes (Chromium's children are counted by <see cref="ProcStatus.TreeCpuTime"/>).</summary>
    public IEnumerable<int> Pids => _processes.Select(p => p.Id);

    public static async Task<WebWatchers> StartAsync(Uri page, bool browser, bool curl, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("smtptap-webbench-chromium-");
        var processes = new List<Process>();
        if (browser)
        {
            if (!File.Exists(Chromium))
            {
                throw new InvalidOperationException(Chromium + " is missing: apt-get install chromium (or run with --web-watchers curl)");
            }

            processes.Add(Quiet(
                Chromium,
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile.FullName, "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1", page.ToString()));
        }

        if (curl)
        {
            processes.Add(Quiet("/usr/bin/curl", "-sN", "-o", "/dev/null", new Uri(page, "/api/events").ToString()));
        }

        var watchers = new WebWatchers(processes, profile, page.Port);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (watchers.OpenConnections() < processes.Count)
        {
            if (DateTime.UtcNow > deadline || processes.Exists(p => p.HasExited))
            {
                await watchers.DisposeAsync();
                throw new InvalidOperationException("the web watchers did not connect within 60 s");
            }

            await Task.Delay(200, cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // the page's first list fetch and render
        return watchers;
    }

    /// <summary>Established TCP connections to the web port on 127.0.0.1 (server side), from /proc/net/tcp.</summary>
    public int OpenConnections()
    {
        var local = "0100007F:" + WebPort.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(fields => fields.Length > 3 && fields[1] == local && fields[3] == "01");
    }

    /// <summary>CPU time of the watchers and all their children (Chromium's renderer and helpers).</summary>
    public TimeSpan CpuTime() => _processes.Aggregate(TimeSpan.Zero, (sum, p) => sum + ProcStatus.TreeCpuTime(p.Id));

    private static Process Quiet(string executable, params string[] arguments)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >/dev/null 2>&1");
        start.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("cannot start " + executable);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await process.WaitForExitAsync(wait.Token);
            }

            process.Dispose();
        }

        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes may still be landing; the temp folder is left behind then.
        }
    }
}
