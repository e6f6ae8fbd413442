using Microsoft.Extensions.Options;

namespace VitalTwin.Notification.Desk;

/// <summary>
/// The WatchAlerts streams open at once. Each holds a watcher in the alert book that every alert change reaches,
/// so their number is capped at <see cref="AlertDeskOptions.MaxWatches"/>.
/// </summary>
internal sealed class AlertWatches(IOptions<AlertDeskOptions> options)
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    /// <summary>Takes a place for one more stream; false when all are taken. A place taken is given back with <see cref="Close"/>.</summary>
    public bool TryOpen()
    {
        if (Interlocked.Increment(ref _open) <= options.Value.MaxWatches)
        {
            return true;
        }
        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Close() => Interlocked.Decrement(ref _open);
}
