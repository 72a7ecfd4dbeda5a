using System.Runtime.InteropServices;

namespace SmtpTap.Commands;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as two tokens: the first signal asks for a graceful stop (<see cref="Stop"/>), the
/// second for an immediate one (<see cref="Abort"/>) when a command takes it (<see cref="ObserveAbort"/>); otherwise,
/// and on a third signal, the process ends the default way. Replaces System.CommandLine's own handling, which
/// never cancelled the invocation token without a process-termination timeout.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;
    private volatile bool _abortObserved;

    private ShutdownSignals()
    {
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Stop => _stop.Token;

    public static ShutdownSignals Register()
    {
        var signals = new ShutdownSignals();
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, signals.OnSignal));
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, signals.OnSignal));
        return signals;
    }

    /// <summary>The token a second signal cancels; a command that asks for it handles the second signal itself.</summary>
    public CancellationToken ObserveAbort()
    {
        _abortObserved = true;
        return _abort.Token;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
        _abort.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        switch (Interlocked.Increment(ref _signals))
        {
            case 1:
                context.Cancel = true;
                _stop.Cancel();
                break;
            case 2 when _abortObserved:
                context.Cancel = true;
                _abort.Cancel();
                break;
            default:
                context.Cancel = false;
                break;
        }
    }
}
