namespace VitalTwin.Simulator.Core.Pacing;

/// <summary>
/// Maps a recorded or simulated time line onto the clock: time-line time t is due at
/// start + (t − origin) / speed. Speed 1 is real time, 60 plays an hour a minute.
/// </summary>
public sealed class Pacer
{
    private readonly TimeProvider _clock;
    private DateTimeOffset _origin;
    private DateTimeOffset _wallStart;
    private long _startTimestamp;
    private bool _started;

    public Pacer(TimeProvider clock, double speed)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (!(speed > 0) || !double.IsFinite(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "Speed must be a positive number.");
        }
        _clock = clock;
        Speed = speed;
    }

    public double Speed { get; }

    /// <summary>Starts the clock: <paramref name="origin"/> on the time line is due now.</summary>
    public void Start(DateTimeOffset origin)
    {
        _origin = origin;
        _wallStart = _clock.GetUtcNow();
        _startTimestamp = _clock.GetTimestamp();
        _started = true;
    }

    /// <summary>The time-line time that is due now.</summary>
    public DateTimeOffset TimelineNow
    {
        get
        {
            EnsureStarted();
            return _origin + (_clock.GetElapsedTime(_startTimestamp) * Speed);
        }
    }

    /// <summary>The wall-clock time at which <paramref name="timelineTime"/> is due.</summary>
    public DateTimeOffset DueAt(DateTimeOffset timelineTime)
    {
        EnsureStarted();
        return _wallStart + ((timelineTime - _origin) / Speed);
    }

    /// <summary>Waits until <paramref name="timelineTime"/> is due; returns at once if it already is.</summary>
    public async ValueTask WaitUntilAsync(DateTimeOffset timelineTime, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var wait = ((timelineTime - _origin) / Speed) - _clock.GetElapsedTime(_startTimestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _clock, cancellationToken);
        }
    }

    private void EnsureStarted()
    {
        if (!_started)
        {
            throw new InvalidOperationException("Start the pacer first.");
        }
    }
}
