namespace VitalTwin.Kafka;

/// <summary>
/// Event time of one partition, as stream processors keep it: the watermark is the newest event time seen on the
/// partition's records, and never goes back. Time-driven work (staleness, clear and quiet periods) runs at
/// <em>ticks</em>: the multiples of <see cref="Tick"/> since the Unix epoch that the watermark passes. A tick fires
/// once the first record at or after it arrives, before that record is applied, so a recording replayed at any speed
/// meets its ticks between the same two records as the in-process evaluation, which runs the same grid on its
/// simulated clock.
/// </summary>
/// <remarks>
/// <para>
/// Late records (older than the watermark: a wearable uploading what it buffered) are applied as they are and do not
/// move the watermark.
/// </para>
/// <para>
/// Idle partitions: event time moves only with records, so a partition from which nothing at all arrives would stand
/// still, and a device that has gone silent would never be noticed. That, and only that, is decided on the wall clock:
/// once nothing has arrived for <see cref="IdleAfter"/>, <see cref="AdvanceIfIdle"/> lets the watermark run on at wall
/// speed from where the last record left it (live, that is now; after a replay ends, the recording's end plus the wall
/// time since). A replay that keeps records flowing never meets it.
/// </para>
/// <para>
/// Restarts and rebalances: a newly assigned partition starts from the state restored for it (the twins' clocks, the
/// alert history), not from zero and not from the wall clock, so the ticks between a crash and the next record fire
/// in event time as they would have. Without restored state the first record sets the watermark and fires nothing.
/// </para>
/// Thread-safe: the consumer observes records while a wall-clock timer checks for idleness.
/// </remarks>
public sealed class PartitionWatermark
{
    /// <summary>
    /// Most ticks one step fires. A gap longer than this (a device back after days) fires only the last tick of it:
    /// every tick catches up with everything due by then, so skipping earlier ones only coarsens the times of what
    /// expires in the gap.
    /// </summary>
    public const int MaxTicksPerStep = 10_000;

    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;
    private long? _watermarkTicks;
    private long? _watermarkAtArrival;
    private DateTimeOffset _lastArrival;

    /// <param name="tick">Grid of the time-driven work.</param>
    /// <param name="idleAfter">Wall time with no record after which the partition counts as gone silent.</param>
    /// <param name="clock">The wall clock, only for idleness.</param>
    /// <param name="restored">Event time the partition's restored state had reached, if any.</param>
    public PartitionWatermark(TimeSpan tick, TimeSpan idleAfter, TimeProvider clock, DateTimeOffset? restored = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tick, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleAfter, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(clock);
        Tick = tick;
        IdleAfter = idleAfter;
        _clock = clock;
        _watermarkTicks = restored?.UtcTicks;
        _watermarkAtArrival = _watermarkTicks;
        _lastArrival = clock.GetUtcNow();
    }

    public TimeSpan Tick { get; }

    public TimeSpan IdleAfter { get; }

    /// <summary>The newest event time seen (or restored, or reached while idle); null before any.</summary>
    public DateTimeOffset? Current
    {
        get
        {
            lock (_gate)
            {
                return _watermarkTicks is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
            }
        }
    }

    /// <summary>
    /// A record of event time <paramref name="eventTime"/> arrived. Returns the ticks it passed, oldest first, to run
    /// before the record is applied.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> Observe(DateTimeOffset eventTime)
    {
        lock (_gate)
        {
            _lastArrival = _clock.GetUtcNow();
            var passed = MoveTo(eventTime.UtcTicks);
            _watermarkAtArrival = _watermarkTicks;
            return passed;
        }
    }

    /// <summary>
    /// When nothing has arrived for <see cref="IdleAfter"/> of wall time, moves the watermark on by the wall time
    /// since the last record and returns the ticks passed; otherwise none.
    /// </summary>
    public IReadOnlyList<DateTimeOffset> AdvanceIfIdle()
    {
        lock (_gate)
        {
            var silentFor = _clock.GetUtcNow() - _lastArrival;
            if (silentFor < IdleAfter || _watermarkAtArrival is not { } from)
            {
                return [];
            }
            return MoveTo(from + silentFor.Ticks);
        }
    }

    private IReadOnlyList<DateTimeOffset> MoveTo(long target)
    {
        if (_watermarkTicks is not { } current)
        {
            _watermarkTicks = target;
            return [];
        }
        if (target <= current)
        {
            return [];
        }
        _watermarkTicks = target;
        var step = Tick.Ticks;
        var first = FloorToGrid(current, step) + step;
        var last = FloorToGrid(target, step);
        if (last < first)
        {
            return [];
        }
        var count = (last - first) / step + 1;
        if (count > MaxTicksPerStep)
        {
            return [At(last)];
        }
        var ticks = new DateTimeOffset[count];
        for (var i = 0; i < count; i++)
        {
            ticks[i] = At(first + i * step);
        }
        return ticks;
    }

    private static long FloorToGrid(long ticks, long step)
    {
        var sinceEpoch = ticks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks - (((sinceEpoch % step) + step) % step);
    }

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);
}
