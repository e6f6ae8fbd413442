using System.Threading.Channels;

namespace VitalTwin.TwinState.Query;

/// <summary>What a watch's reader should send next: the patients whose twins changed, or everything (<see cref="Resync"/>).</summary>
internal readonly record struct WatchBatch(IReadOnlyList<string> PatientIds, bool Resync);

/// <summary>One WatchTwins call's view of the <see cref="TwinChangeFeed"/>: changed patients, coalesced, for one reader.</summary>
internal sealed class TwinWatch : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TwinChangeFeed _feed;
    private readonly IReadOnlySet<string>? _patientIds;
    private readonly int _backlog;
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private bool _overflowed;

    internal TwinWatch(TwinChangeFeed feed, IReadOnlySet<string>? patientIds, int backlog)
    {
        _feed = feed;
        _patientIds = patientIds;
        _backlog = backlog;
    }

    internal void Offer(string patientId)
    {
        if (_patientIds is not null && !_patientIds.Contains(patientId))
        {
            return;
        }

        lock (_gate)
        {
            if (_overflowed || !_pending.Add(patientId))
            {
                return;
            }

            if (_pending.Count > _backlog)
            {
                _overflowed = true;
                _pending.Clear();
                _order.Clear();
            }
            else
            {
                _order.Enqueue(patientId);
            }
        }

        _signal.Writer.TryWrite(true);
    }

    /// <summary>Waits until something changed and takes it all: patients in the order they first changed since the last call.</summary>
    public async ValueTask<WatchBatch> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_overflowed)
                {
                    _overflowed = false;
                    return new WatchBatch([], Resync: true);
                }

                if (_order.Count > 0)
                {
                    var batch = _order.ToArray();
                    _order.Clear();
                    _pending.Clear();
                    return new WatchBatch(batch, Resync: false);
                }
            }

            // A signal only says "look again": one written after the data above was taken just costs a spare look.
            await _signal.Reader.ReadAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        _feed.Close(this);
        _signal.Writer.TryComplete();
    }
}
