using Microsoft.Extensions.Time.Testing;
using VitalTwin.Simulator.Core.Pacing;

namespace VitalTwin.Simulator.Tests;

public class PacerTests
{
    private static readonly DateTimeOffset Origin = new(2024, 11, 2, 14, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task At_real_time_a_reading_ten_seconds_on_is_due_ten_seconds_later()
    {
        var pacer = new Pacer(_clock, 1);
        pacer.Start(Origin);

        var waiting = pacer.WaitUntilAsync(Origin.AddSeconds(10), CancellationToken.None).AsTask();
        _clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(0.1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(Origin.AddSeconds(10), pacer.TimelineNow);
    }

    [Fact]
    public async Task Accelerated_the_time_line_runs_that_many_times_faster()
    {
        var pacer = new Pacer(_clock, 60);
        var wallStart = _clock.GetUtcNow();
        pacer.Start(Origin);

        var waiting = pacer.WaitUntilAsync(Origin.AddHours(1), CancellationToken.None).AsTask();
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(Origin.AddMinutes(59), pacer.TimelineNow);
        _clock.Advance(TimeSpan.FromSeconds(1));

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(wallStart.AddMinutes(1), pacer.DueAt(Origin.AddHours(1)));
    }

    [Fact]
    public void What_is_already_due_does_not_wait()
    {
        var pacer = new Pacer(_clock, 10);
        pacer.Start(Origin);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(pacer.WaitUntilAsync(Origin.AddSeconds(30), CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(pacer.WaitUntilAsync(Origin, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Waiting_stops_when_cancelled()
    {
        var pacer = new Pacer(_clock, 1);
        pacer.Start(Origin);
        using var cancel = new CancellationTokenSource();

        var waiting = pacer.WaitUntilAsync(Origin.AddHours(1), cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void The_speed_must_be_a_positive_number(double speed)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pacer(_clock, speed));
    }
}
