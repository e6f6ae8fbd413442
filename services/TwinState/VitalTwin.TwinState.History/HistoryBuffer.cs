namespace VitalTwin.TwinState.History;

/// <summary>
/// Readings on their way to history, written in batches: a batch goes once it holds <c>batchSize</c> points or once
/// its oldest point has waited <see cref="HistoryOptions.FlushInterval"/>, whichever comes first. A busy writer still
/// sends full batches, and a reading is in history about one interval after it was added, however quiet the stream.
/// Points a write failed to store stay, for the next flush. Not thread-safe: one buffer per writer.
/// </summary>
public sealed class HistoryBuffer
{
    private readonly IVitalsStore _store;
    private readonly int _batchSize;
    private readonly TimeSpan _flushInterval;
    private readonly TimeProvider _clock;
    private readonly List<VitalPoint> _points = [];
    private long _oldestAddedAt;

    /// <summary>A buffer writing to <paramref name="store"/> at <paramref name="batchSize"/> points or after <paramref name="flushInterval"/> on <paramref name="clock"/>.</summary>
    public HistoryBuffer(IVitalsStore store, int batchSize, TimeSpan flushInterval, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(flushInterval, TimeSpan.Zero);
        _store = store;
        _batchSize = batchSize;
        _flushInterval = flushInterval;
        _clock = clock;
    }

    /// <summary>Points not written yet.</summary>
    public int Count => _points.Count;

    /// <summary>A full batch waits, or the oldest point has waited the flush interval.</summary>
    public bool IsDue => _points.Count >= _batchSize || (_points.Count > 0 && _clock.GetElapsedTime(_oldestAddedAt) >= _flushInterval);

    /// <summary>Adds a point; it is written by the flush that finds it due.</summary>
    public void Add(VitalPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (_points.Count == 0)
        {
            _oldestAddedAt = _clock.GetTimestamp();
        }
        _points.Add(point);
    }

    /// <summary>Drops the points of <paramref name="patientId"/> not written yet (an erasure).</summary>
    public void Remove(string patientId) =>
        _points.RemoveAll(point => string.Equals(point.PatientId, patientId, StringComparison.Ordinal));

    /// <summary>Writes what waits when <see cref="IsDue"/>; completes at once otherwise.</summary>
    public Task FlushIfDueAsync(CancellationToken cancellationToken) => IsDue ? FlushAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Writes every waiting point and completes once they are durable.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_points.Count == 0)
        {
            return;
        }
        await _store.WriteAsync(_points.ToArray(), cancellationToken);
        _points.Clear();
    }
}
