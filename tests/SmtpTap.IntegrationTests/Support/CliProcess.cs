using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace SmtpTap.IntegrationTests.Support;

/// <summary>Runs the real <c>smtptap</c> executable (built next to the tests) as a child process.</summary>
internal sealed partial class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();

    private CliProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public const int SigInt = 2;
    public const int SigTerm = 15;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static CliProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, asUser: null, new Dictionary<string, string>(), args);

    /// <summary>Starts smtptap with extra environment variables (e.g. SMTPTAP_* settings).</summary>
    public static CliProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) => Start(workingDirectory, asUser: null, environment, args);

    /// <summary>
    /// Runs the command as an unprivileged user (for permission checks root would pass): as <paramref name="asUser"/> via
    /// setpriv when the tests run as root, as the current user otherwise.
    /// </summary>
    public static CliProcess StartUnprivileged(string workingDirectory, params string[] args) =>
        Start(workingDirectory, Environment.IsPrivilegedProcess ? "nobody" : null, new Dictionary<string, string>(), args);

    /// <summary>Where a file written by <see cref="StartUnprivileged"/> must be readable and writable.</summary>
    public static void OpenToUnprivileged(string path)
    {
        if (Environment.IsPrivilegedProcess && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
        }
    }

    private static CliProcess Start(string workingDirectory, string? asUser, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo(asUser is null ? "dotnet" : "setpriv")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (asUser is not null)
        {
            foreach (var arg in new[] { "--reuid=" + asUser, "--regid=nogroup", "--clear-groups", "--reset-env", "dotnet" })
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "smtptap.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.Append(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => cli.Append(cli._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    private void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            sb.AppendLine(line);
        }
    }

    /// <summary>Waits for the banner line "Listening on smtp://127.0.0.1:PORT" and returns the port.</summary>
    public async Task<int> WaitForListenPortAsync(string scheme = "smtp")
    {
        var match = await WaitForOutputAsync(new Regex("Listening on " + scheme + @"://127\.0\.0\.1:(\d+)"), TimeSpan.FromSeconds(60));
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends a signal to the process, as Ctrl+C (<see cref="SigInt"/>) or a service manager (<see cref="SigTerm"/>) would.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits until stdout holds <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) => WaitForOutputAsync(new Regex(Regex.Escape(text)), timeout);

    /// <summary>Runs the command to its end and returns exit code, stdout and stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string workingDirectory, params string[] args)
    {
        await using var cli = Start(workingDirectory, args);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, cli.Stdout, cli.Stderr);
    }

    /// <summary>Waits until standard output matches the pattern and returns the match.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var match = pattern.Match(Stdout);
            if (match.Success)
            {
                return match;
            }

            if (_process.HasExited)
            {
                await Task.Delay(100);
                match = pattern.Match(Stdout);
                return match.Success ? match : throw new InvalidOperationException("smtptap exited early: " + Stdout + Stderr);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"smtptap did not print /{pattern}/: " + Stdout + Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Peak resident memory of the process so far (VmHWM), in bytes.</summary>
    public long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = long.Parse(NumberRegex().Match(line).Value, System.Globalization.CultureInfo.InvariantCulture);
                return kb * 1024;
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"\d+")]
    private static partial Regex NumberRegex();
}
