using System.Diagnostics;

namespace SmtpTap.LoadTest;

/// <summary>Samples the process's working set, GC heap and the tap's active sessions every 200 ms and keeps the peaks.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(); // not disposed: Task.Delay may still hold it; nothing unmanaged
    private readonly Func<int> _sessions;
    private readonly Task _loop;

    public MemorySampler(Func<int> sessions)
    {
        _sessions = sessions;
        _loop = RunAsync();
    }

    public long PeakWorkingSet { get; private set; }

    public long PeakGcHeap { get; private set; }

    public int PeakSessions { get; private set; }

    public int Samples { get; private set; }

    private async Task RunAsync()
    {
        using var process = Process.GetCurrentProcess();
        while (!_stop.IsCancellationRequested)
        {
            process.Refresh();
            PeakWorkingSet = Math.Max(PeakWorkingSet, process.WorkingSet64);
            PeakGcHeap = Math.Max(PeakGcHeap, GC.GetTotalMemory(false));
            PeakSessions = Math.Max(PeakSessions, _sessions());
            Samples++;
            try
            {
                await Task.Delay(200, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_loop.IsCompleted)
        {
            return;
        }

        await _stop.CancelAsync();
        await _loop;
    }
}
