using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace SmtpTap.Bench.Host;

/// <summary>A tap (or copy relay) in its own process, so its memory and CPU are its own.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, int port)
    {
        _process = process;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
    }

    public IPEndPoint EndPoint { get; }

    public int Pid => _process.Id;

    public static async Task<HostProcess> StartAsync(HostArguments arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(HostProcess).Assembly.Location);
        }

        foreach (var arg in arguments.ToArgs())
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the host process");
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException("host process did not start: " + line);
        }

        return new HostProcess(process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
    }

    /// <summary>Managed heap and GC counts; with <paramref name="collect"/> a full compacting GC first.</summary>
    public async Task<HostStats> StatsAsync(bool collect, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(collect ? "gc" : "stats");
        await _process.StandardInput.FlushAsync(cancellationToken);
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("host process ended");
        var parts = line.Split(' ');
        var (rss, hwm) = ProcStatus.Memory(Pid);
        return new HostStats(
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture),
            int.Parse(parts[3], CultureInfo.InvariantCulture),
            int.Parse(parts[4], CultureInfo.InvariantCulture),
            rss,
            hwm,
            ProcStatus.CpuTime(Pid));
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}

/// <summary>A snapshot of the host process.</summary>
internal sealed record HostStats(long ManagedHeap, int Gen0, int Gen1, int Gen2, long Rss, long Hwm, TimeSpan Cpu);
