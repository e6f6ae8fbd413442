using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>
/// A fake clock that also reports each timer as it is created, so a test advances time exactly when the code under
/// test has started waiting, never before (which would leave that wait pending for ever).
/// </summary>
internal sealed class ObservedTimeProvider() : FakeTimeProvider(Alerts.Start)
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created that <paramref name="match"/> accepts.</summary>
    public async Task<TimeSpan> NextTimerAsync(Func<TimeSpan, bool> match)
    {
        using var deadline = new CancellationTokenSource(Signal.Timeout);
        while (true)
        {
            var dueTime = await _timers.Reader.ReadAsync(deadline.Token);
            if (match(dueTime))
            {
                return dueTime;
            }
        }
    }
}
