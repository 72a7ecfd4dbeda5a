using System.Diagnostics;
using SmtpTap.Core.Hosting;

namespace SmtpTap.Core.Relay;

/// <summary>
/// The minimum data rate for DATA content and BDAT chunks, the way Postfix's smtpd_min_data_rate works: the
/// budget starts at <see cref="TapLimits.DataRateGrace"/>, each read spends the time it waited, and each byte
/// received earns 1/<see cref="TapLimits.MinDataRate"/> seconds, never above the grace. A sender that stalls or
/// trickles runs the budget to zero and is cut off; time the tap spends writing to the server is not charged.
/// </summary>
internal sealed class DataRateBudget(TapLimits limits) : IDisposable
{
    private TimeSpan _budget = limits.DataRateGrace;
    private CancellationTokenSource? _timer;
    private CancellationToken _linkedTo;

    /// <summary>How long the next read may wait; zero or less means the client is already too slow.</summary>
    public TimeSpan NextReadTimeout => limits.MinDataRate <= 0
        ? limits.ClientIdleTimeout
        : _budget < limits.ClientIdleTimeout ? _budget : limits.ClientIdleTimeout;

    public string Describe() => limits.MinDataRate <= 0
        ? $"no message data for {limits.ClientIdleTimeout.TotalSeconds:0.###} s"
        : $"message data slower than the minimum rate of {limits.MinDataRate} bytes/s";

    /// <summary>
    /// Reads once under the budget; throws <see cref="ClientTooSlowException"/> when it is spent. One timer
    /// serves every read of the message (re-armed per read, disarmed after it), so streaming a large message
    /// allocates nothing per read.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<System.IO.Pipelines.ReadResult> ReadAsync(System.IO.Pipelines.PipeReader reader, CancellationToken cancellationToken)
    {
        var timeout = NextReadTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            throw new ClientTooSlowException(Describe());
        }

        var cts = TimerFor(cancellationToken);
        cts.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClientTooSlowException(Describe());
        }
        finally
        {
            cts.CancelAfter(Timeout.InfiniteTimeSpan);
            _budget -= Stopwatch.GetElapsedTime(started);
        }
    }

    /// <summary>The per-message timer, linked to the session's token; a new one if the token changed or the old one fired.</summary>
    private CancellationTokenSource TimerFor(CancellationToken cancellationToken)
    {
        if (_timer is null || _timer.IsCancellationRequested || _linkedTo != cancellationToken)
        {
            _timer?.Dispose();
            _timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _linkedTo = cancellationToken;
        }

        return _timer;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Credits bytes the client delivered.</summary>
    public void Received(long bytes)
    {
        if (limits.MinDataRate <= 0 || bytes <= 0)
        {
            return;
        }

        _budget += TimeSpan.FromSeconds((double)bytes / limits.MinDataRate);
        if (_budget > limits.DataRateGrace)
        {
            _budget = limits.DataRateGrace;
        }
    }
}
