using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Tests;

public class PersonalBaselineTests
{
    // PersonalBaseline's constants: each reading moves the estimate by Rate, its deviation clipped at Clip spreads,
    // after WarmUp readings of plain averaging.
    private const double Rate = 1.0 / 600;
    private const double Clip = 3;
    private const int WarmUp = 30;

    [Fact]
    public void A_new_baseline_has_no_level_and_is_not_established()
    {
        var baseline = new PersonalBaseline();

        Assert.True(double.IsNaN(baseline.Level));
        Assert.True(double.IsNaN(baseline.Spread));
        Assert.Equal(0, baseline.Count);
        Assert.False(baseline.IsEstablished);
    }

    [Fact]
    public void The_first_reading_is_the_level_with_no_spread()
    {
        var baseline = new PersonalBaseline();

        baseline.Add(81.5);

        Assert.Equal(81.5, baseline.Level);
        Assert.Equal(0, baseline.Spread);
        Assert.Equal(1, baseline.Count);
    }

    [Fact]
    public void During_warm_up_the_level_is_the_plain_mean_even_of_a_wild_reading()
    {
        var baseline = new PersonalBaseline();
        double[] values = [.. Readings.Noisy(72, 1, WarmUp - 1, seed: 21), 1000];

        for (var i = 0; i < values.Length; i++)
        {
            baseline.Add(values[i]);
            Assert.Equal(values[..(i + 1)].Average(), baseline.Level, 1e-9);
            Assert.Equal(i + 1 >= WarmUp, baseline.IsEstablished);
        }
    }

    [Fact]
    public void The_spread_settles_on_the_mean_absolute_deviation_during_warm_up()
    {
        var baseline = new PersonalBaseline();

        foreach (var value in Enumerable.Range(0, WarmUp).Select(i => i % 2 == 0 ? 70.0 : 74.0))
        {
            baseline.Add(value);
        }

        Assert.Equal(72, baseline.Level, 1e-9);
        // Mean absolute deviation is 2; the running estimate starts from 0 for the first reading.
        Assert.InRange(baseline.Spread, 1.8, 2.2);
    }

    [Fact]
    public void A_steady_level_is_followed()
    {
        var baseline = new PersonalBaseline();

        foreach (var value in Readings.Noisy(80, 1, 3000, seed: 22))
        {
            baseline.Add(value);
        }

        Assert.Equal(80, baseline.Level, 0.1);
        // Uniform noise of ±1 has a mean absolute deviation of 0.5.
        Assert.Equal(0.5, baseline.Spread, 0.1);
    }

    [Fact]
    public void A_lasting_new_level_is_followed_slowly()
    {
        var baseline = new PersonalBaseline();
        foreach (var value in Readings.Noisy(72, 1, 600, seed: 23))
        {
            baseline.Add(value);
        }

        var shifted = Readings.Noisy(80, 1, 6000, seed: 24);
        foreach (var value in shifted[..60])
        {
            baseline.Add(value);
        }
        var afterAMinute = baseline.Level;
        foreach (var value in shifted[60..])
        {
            baseline.Add(value);
        }

        Assert.InRange(afterAMinute, 72, 74);
        Assert.Equal(80, baseline.Level, 0.5);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(-1000)]
    public void One_outlier_moves_the_level_by_at_most_Rate_times_three_spreads(double outlier)
    {
        var baseline = new PersonalBaseline();
        foreach (var value in Readings.Noisy(72, 1, 500, seed: 25))
        {
            baseline.Add(value);
        }
        var (level, spread) = (baseline.Level, baseline.Spread);

        baseline.Add(outlier);

        Assert.Equal(Math.Sign(outlier) * Rate * Clip * spread, baseline.Level - level, 1e-12);
        Assert.InRange(Math.Abs(baseline.Level - level), 0, 0.01);
        Assert.Equal(spread + (Rate * ((Clip * spread) - spread)), baseline.Spread, 1e-12);
    }

    [Fact]
    public void Reset_forgets_everything()
    {
        var baseline = new PersonalBaseline();
        baseline.Add(72);
        baseline.Add(73);

        baseline.Reset();

        Assert.True(double.IsNaN(baseline.Level));
        Assert.True(double.IsNaN(baseline.Spread));
        Assert.Equal(0, baseline.Count);
    }

    [Fact]
    public void The_monitor_feeds_its_baseline_normal_readings()
    {
        var feed = new Feed(Readings.Monitor());
        var values = Readings.Noisy(72, 1, 200, seed: 26);

        feed.ObserveAll(values);

        var expected = new PersonalBaseline();
        foreach (var value in values)
        {
            expected.Add(value);
        }
        Assert.Equal(200, feed.Monitor.Baseline.Count);
        Assert.Equal(expected.Level, feed.Monitor.Baseline.Level);
        Assert.Equal(expected.Spread, feed.Monitor.Baseline.Spread);
    }

    [Fact]
    public void An_anomalous_reading_does_not_update_the_baseline()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Readings.Noisy(72, 1, 200, seed: 27));
        var before = Snapshot(feed.Monitor.Baseline);

        var outcome = feed.Observe(100);

        Assert.NotEmpty(outcome.Findings);
        Assert.Equal(before, Snapshot(feed.Monitor.Baseline));
    }

    [Fact]
    public void Artifacts_do_not_update_the_baseline()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Readings.Noisy(72, 1, 200, seed: 28));
        feed.ObserveAll(Enumerable.Repeat(72.05, 10));
        var before = Snapshot(feed.Monitor.Baseline);

        Assert.Equal(ArtifactReason.FlatLine, feed.Observe(72.05).Artifact);
        Assert.Equal(ArtifactReason.DeviceFlagged, feed.Observe(90, deviceFlagged: true).Artifact);
        Assert.Equal(ArtifactReason.Dropout, feed.Observe(0).Artifact);

        Assert.Equal(before, Snapshot(feed.Monitor.Baseline));
    }

    private static (long Level, long Spread, long Count) Snapshot(PersonalBaseline baseline) =>
        (BitConverter.DoubleToInt64Bits(baseline.Level), BitConverter.DoubleToInt64Bits(baseline.Spread), baseline.Count);
}
