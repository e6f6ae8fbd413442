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

    [Fact]
    public async Task A_watch_refused_as_unauthenticated_says_the_session_ended_redraws_and_is_never_opened_again()
    {
        var clock = new TimerWatchingClock();
        var calls = 0;
        var redrawn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var live = new LiveWatch(clock, Options.Create(new DashboardOptions { RedrawInterval = Redraw }), NullLogger<LiveWatch>.Instance);
        live.Changed += () =>
        {
            redrawn.TrySetResult();
            return Task.CompletedTask;
        };

        live.Start(_ =>
        {
            Interlocked.Increment(ref calls);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "token expired"));
        });

        // The redraw timer is the only one set: a refused watch waits for no retry.
        while (!redrawn.Task.IsCompleted)
        {
            clock.Advance(Redraw);
            await Task.WhenAny(redrawn.Task, Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System)).WaitAsync(Timeout);
        }
        Assert.Equal(Problems.SessionEnded, live.Problem);
        Assert.True(live.Refused);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, Volatile.Read(ref calls));
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
