using Microsoft.Extensions.Time.Testing;

namespace VitalTwin.Kafka.Tests;

public sealed class PartitionWatermarkTests
{
    // Months before the wall clock: a recording replayed long after it was made.
    private static readonly DateTimeOffset Recorded = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Wall = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(1);

    [Fact]
    public void The_first_record_sets_the_watermark_and_later_ones_fire_the_grid_ticks_they_pass_however_far_the_wall_clock_is()
    {
        var watermark = new PartitionWatermark(Tick, IdleAfter, new FakeTimeProvider(Wall));

        Assert.Empty(watermark.Observe(Recorded.AddSeconds(3)));
        Assert.Equal(Recorded.AddSeconds(3), watermark.Current);
        Assert.Empty(watermark.Observe(Recorded.AddSeconds(14)));
        // A record exactly on a tick fires it before it is applied, as the evaluation runs its clocks up to each reading.
        Assert.Equal([Recorded.AddSeconds(15)], watermark.Observe(Recorded.AddSeconds(15)));
        Assert.Equal([Recorded.AddSeconds(30), Recorded.AddSeconds(45)], watermark.Observe(Recorded.AddSeconds(50)));
    }

    [Fact]
    public void A_late_record_fires_nothing_and_does_not_move_the_watermark_back()
    {
        var watermark = new PartitionWatermark(Tick, IdleAfter, new FakeTimeProvider(Wall));
        watermark.Observe(Recorded.AddMinutes(10));

        Assert.Empty(watermark.Observe(Recorded));
        Assert.Equal(Recorded.AddMinutes(10), watermark.Current);
        Assert.Equal([Recorded.AddMinutes(10).AddSeconds(15)], watermark.Observe(Recorded.AddMinutes(10).AddSeconds(20)));
    }

    [Fact]
    public void A_restored_partition_fires_the_ticks_between_its_restored_time_and_the_first_record()
    {
        var watermark = new PartitionWatermark(Tick, IdleAfter, new FakeTimeProvider(Wall), restored: Recorded.AddSeconds(20));

        Assert.Equal([Recorded.AddSeconds(30), Recorded.AddSeconds(45)], watermark.Observe(Recorded.AddSeconds(46)));
    }

    [Fact]
    public void A_gap_longer_than_the_cap_fires_only_its_last_tick()
    {
        var watermark = new PartitionWatermark(TimeSpan.FromSeconds(1), IdleAfter, new FakeTimeProvider(Wall), restored: Recorded);

        Assert.Equal([Recorded.AddDays(2)], watermark.Observe(Recorded.AddDays(2).AddMilliseconds(500)));
    }

    [Fact]
    public void A_partition_moves_on_by_the_wall_clock_only_once_nothing_has_arrived_for_the_idle_time()
    {
        var wall = new FakeTimeProvider(Wall);
        var watermark = new PartitionWatermark(Tick, IdleAfter, wall);
        watermark.Observe(Recorded);

        wall.Advance(IdleAfter - TimeSpan.FromSeconds(1));
        Assert.Empty(watermark.AdvanceIfIdle());
        Assert.Equal(Recorded, watermark.Current);

        // Silent for the idle time: event time runs on from the last record at wall speed, not to the wall clock.
        wall.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([Recorded.AddSeconds(15), Recorded.AddSeconds(30), Recorded.AddSeconds(45), Recorded.AddSeconds(60)], watermark.AdvanceIfIdle());
        Assert.Equal(Recorded + IdleAfter, watermark.Current);

        wall.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal([Recorded.AddSeconds(75)], watermark.AdvanceIfIdle());
        Assert.Empty(watermark.AdvanceIfIdle());

        // A record arriving again ends the idleness; its own time rules from there.
        Assert.Empty(watermark.Observe(Recorded.AddSeconds(82)));
        wall.Advance(IdleAfter - TimeSpan.FromSeconds(1));
        Assert.Empty(watermark.AdvanceIfIdle());
        Assert.Equal(Recorded.AddSeconds(82), watermark.Current);
    }

    [Fact]
    public void A_partition_with_nothing_seen_or_restored_has_no_time_to_move_while_idle()
    {
        var wall = new FakeTimeProvider(Wall);
        var watermark = new PartitionWatermark(Tick, IdleAfter, wall);

        wall.Advance(TimeSpan.FromHours(1));
        Assert.Empty(watermark.AdvanceIfIdle());
        Assert.Null(watermark.Current);
    }

    [Fact]
    public void A_restored_partition_that_gets_no_record_goes_silent_from_its_restored_time()
    {
        var wall = new FakeTimeProvider(Wall);
        var watermark = new PartitionWatermark(Tick, IdleAfter, wall, restored: Recorded);

        wall.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(20, watermark.AdvanceIfIdle().Count);
        Assert.Equal(Recorded.AddMinutes(5), watermark.Current);
    }
}
