using VitalTwin.Nab.Detectors;

namespace VitalTwin.Nab.Tests;

public sealed class RepeatSuppressorTests
{
    [Fact]
    public void Keeps_a_score_only_when_it_beats_every_score_of_the_window()
    {
        var suppressor = new RepeatSuppressor(window: 3);
        double[] scores = [0.5, 0.9, 0.9, 0.7, 0.95, 0.1, 0.2, 0.3, 0.9];
        double[] kept = scores.Select(suppressor.Filter).ToArray();
        Assert.Equal([0.5, 0.9, 0, 0, 0.95, 0, 0, 0, 0.9], kept);
    }

    [Fact]
    public void A_suppressed_score_still_suppresses_the_rows_after_it()
    {
        // The comparison is with the scores as they came in, so a run of equal scores is reported once.
        var suppressor = new RepeatSuppressor(window: 2);
        double[] kept = new[] { 1.0, 1.0, 1.0, 1.0 }.Select(suppressor.Filter).ToArray();
        Assert.Equal([1.0, 0, 0, 0], kept);
    }

    [Fact]
    public void A_window_of_zero_passes_every_score()
    {
        var suppressor = new RepeatSuppressor(window: 0);
        double[] scores = [0.3, 0.3, 0.1, 0.9];
        Assert.Equal(scores, scores.Select(suppressor.Filter).ToArray());
    }

    [Fact]
    public void The_window_is_a_fraction_of_the_probationary_period()
    {
        var configuration = new SpikeViewsConfiguration();
        Assert.Equal(93, configuration.RepeatWindow(750));
        Assert.Equal(75, configuration.RepeatWindow(604));
        Assert.Equal(0, (configuration with { RepeatWindowFraction = 0 }).RepeatWindow(750));
        Assert.Throws<ArgumentOutOfRangeException>(() => (configuration with { RepeatWindowFraction = -1 }).RepeatWindow(750));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepeatSuppressor(-1));
    }
}
