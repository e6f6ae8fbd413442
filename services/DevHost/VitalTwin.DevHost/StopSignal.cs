using System.Runtime.InteropServices;

namespace VitalTwin.DevHost;

/// <summary>
/// Ctrl-C, and SIGTERM from a supervisor, cancel <see cref="Token"/> instead of killing the process outright, so a
/// program running the one-machine system stops its browser, simulator, services and Kafka in order.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _onInterrupt;
    private readonly PosixSignalRegistration _onTerminate;

    public StopSignal()
    {
        _onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;

    public bool IsStopping => _stop.IsCancellationRequested;

    /// <summary>Stops after <paramref name="delay"/> too, as if signalled then.</summary>
    public void After(TimeSpan delay) => _stop.CancelAfter(delay);

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _onInterrupt.Dispose();
        _onTerminate.Dispose();
        _stop.Dispose();
    }
}
