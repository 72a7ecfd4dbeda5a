using Serilog;

namespace SmtpTap.Core.Capture;

/// <summary>Thread-safe record of captured messages: ids, snapshot, waiters and the MessageReceived event.</summary>
internal sealed class CaptureMessageLog
{
    private readonly Lock _lock = new();
    private readonly List<CapturedMessage> _messages = [];
    private readonly List<Waiter> _waiters = [];
    private readonly ILogger _logger;
    private long _lastId;

    public CaptureMessageLog(ILogger logger) => _logger = logger;

    public event Action<CapturedMessage>? MessageReceived;

    public IReadOnlyList<CapturedMessage> Snapshot()
    {
        lock (_lock)
        {
            return _messages.ToArray();
        }
    }

    public long NextId() => Interlocked.Increment(ref _lastId);

    public void Record(CapturedMessage message)
    {
        List<Waiter> ready;
        CapturedMessage[] snapshot;
        lock (_lock)
        {
            _messages.Add(message);
            snapshot = _messages.ToArray();
            ready = _waiters.FindAll(w => w.Count <= snapshot.Length);
            _waiters.RemoveAll(w => w.Count <= snapshot.Length);
        }

        try
        {
            MessageReceived?.Invoke(message);
        }
        catch (Exception ex)
        {
            _logger.Error(ex, "A MessageReceived handler failed for message {MessageId}", message.Id);
        }

        foreach (var waiter in ready)
        {
            waiter.Completion.TrySetResult(snapshot);
        }
    }

    public async Task<IReadOnlyList<CapturedMessage>> WaitForAsync(int count, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_messages.Count >= count)
            {
                return _messages.ToArray();
            }

            waiter = new Waiter(count, new TaskCompletionSource<IReadOnlyList<CapturedMessage>>(TaskCreationOptions.RunContinuationsAsynchronously));
            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed record Waiter(int Count, TaskCompletionSource<IReadOnlyList<CapturedMessage>> Completion);
}
