using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>A fake clock that tells when a timer is set, so a test advances it past a timeout only once the timeout runs.</summary>
internal sealed class TimerWatchingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();
    private readonly SemaphoreSlim _set = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Enqueue(dueTime);
        _set.Release();
        return timer;
    }

    /// <summary>Waits until <paramref name="count"/> timers due in <paramref name="dueTime"/> have been set.</summary>
    public async Task WaitForTimersAsync(TimeSpan dueTime, int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_dueTimes.Count(d => d == dueTime) < count)
        {
            await _set.WaitAsync(deadline.Token);
        }
    }
}
