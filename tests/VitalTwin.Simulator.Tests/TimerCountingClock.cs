using Microsoft.Extensions.Time.Testing;

namespace VitalTwin.Simulator.Tests;

/// <summary>A fake clock that tells when code under test has armed a timer (a Task.Delay on it), so a test moves it only then.</summary>
internal sealed class TimerCountingClock(FakeTimeProvider fake) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _timers;

    public FakeTimeProvider Fake => fake;

    public int TimersCreated
    {
        get
        {
            lock (_gate)
            {
                return _timers;
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

    public override long GetTimestamp() => fake.GetTimestamp();

    public override long TimestampFrequency => fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = fake.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _timers++;
            foreach (var waiter in _waiters.Where(w => _timers >= w.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
        return timer;
    }

    /// <summary>Completes once at least <paramref name="count"/> timers have been created.</summary>
    public Task WaitForTimersAsync(int count, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_timers >= count)
            {
                return Task.CompletedTask;
            }
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(timeout);
        }
    }
}
