namespace VitalTwin.Load.Generation;

internal enum LoadPhase { Warmup, Window, Drain }

/// <summary>
/// Which phase the run is in, and when the measured window opened and closed, shared by the senders and the
/// probes: only readings observed inside the window are measured.
/// </summary>
internal sealed class RunClock(TimeProvider clock)
{
    private int _phase = (int)LoadPhase.Warmup;
    private long _windowStartTicks;
    private long _windowEndTicks;

    public TimeProvider Time => clock;

    public LoadPhase Phase => (LoadPhase)Volatile.Read(ref _phase);

    public DateTimeOffset? WindowStart => Ticks(ref _windowStartTicks);

    public DateTimeOffset? WindowEnd => Ticks(ref _windowEndTicks);

    public DateTimeOffset OpenWindow()
    {
        var now = clock.GetUtcNow();
        Volatile.Write(ref _windowStartTicks, now.UtcTicks);
        Volatile.Write(ref _phase, (int)LoadPhase.Window);
        return now;
    }

    public DateTimeOffset CloseWindow()
    {
        var now = clock.GetUtcNow();
        Volatile.Write(ref _windowEndTicks, now.UtcTicks);
        Volatile.Write(ref _phase, (int)LoadPhase.Drain);
        return now;
    }

    /// <summary>Whether a reading observed at <paramref name="observedAtTicks"/> (UTC ticks) was sent inside the window.</summary>
    public bool InWindow(long observedAtTicks)
    {
        var start = Volatile.Read(ref _windowStartTicks);
        var end = Volatile.Read(ref _windowEndTicks);
        return start != 0 && observedAtTicks >= start && (end == 0 || observedAtTicks <= end);
    }

    private static DateTimeOffset? Ticks(ref long ticks) =>
        Volatile.Read(ref ticks) is var value and not 0 ? new DateTimeOffset(value, TimeSpan.Zero) : null;
}
