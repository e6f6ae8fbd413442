using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Dashboard.Clinical;

namespace VitalTwin.Dashboard.Tests.Patient;

public sealed class LiveWatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Redraw = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task A_watch_ended_UNAVAILABLE_says_so_and_opens_again_after_the_servers_retry_hint()
    {
        var clock = new TimerWatchingClock();
        var calls = 0;
        var reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var live = new LiveWatch(clock, Options.Create(new DashboardOptions { RedrawInterval = Redraw }), NullLogger<LiveWatch>.Instance);

        live.Start(async cancellationToken =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "partitions moved"), new Metadata { { "grpc-retry-pushback-ms", "5000" } });
            }
            reopened.TrySetResult();
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
        });

        var retry = await clock.NextTimerOtherThan(Redraw).WaitAsync(Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), retry);
        Assert.Equal("Reconnecting: the view is not live.", live.Problem);
        Assert.Equal(1, Volatile.Read(ref calls));
        clock.Advance(retry);
        await reopened.Task.WaitAsync(Timeout);
    }

    /// <summary>A fake clock that says when a timer is set, and for how long.</summary>
    private sealed class TimerWatchingClock : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        public TimerWatchingClock()
            : base(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero))
        {
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _timers.Writer.TryWrite(dueTime);
            return base.CreateTimer(callback, state, dueTime, period);
        }

        public async Task<TimeSpan> NextTimerOtherThan(TimeSpan ignored)
        {
            await foreach (var due in _timers.Reader.ReadAllAsync())
            {
                if (due != ignored)
                {
                    return due;
                }
            }
            throw new InvalidOperationException("No timer was set.");
        }
    }
}
