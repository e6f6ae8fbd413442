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

    /// <summary>A place for one more stream, given back when disposed; null when all are taken.</summary>
    public IDisposable? TryOpen()
    {
        if (Interlocked.Increment(ref _open) <= options.Value.MaxWatches)
        {
            return new Place(this);
        }
        Interlocked.Decrement(ref _open);
        return null;
    }

    private sealed class Place(AlertWatches watches) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref watches._open);
            }
        }
    }
}
