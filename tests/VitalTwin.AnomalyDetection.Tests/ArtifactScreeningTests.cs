using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;

namespace VitalTwin.AnomalyDetection.Tests;

public class ArtifactScreeningTests
{
    private static readonly double[] Steady = Readings.Noisy(72, 1, 200, seed: 1);
    // The jump comes while a reading let through just before it would still be in the 120-reading window.
    private static readonly double[] After = [.. Readings.Noisy(72, 1, 60, seed: 2), 100, .. Readings.Noisy(72, 1, 50, seed: 3)];

    [Fact]
    public void A_device_flagged_reading_is_an_artifact_and_raises_nothing()
    {
        var flagged = new Feed(Readings.Monitor());
        var unflagged = new Feed(Readings.Monitor());
        flagged.ObserveAll(Steady);
        unflagged.ObserveAll(Steady);

        var outcome = flagged.Observe(250, deviceFlagged: true);

        Assert.Equal(ArtifactReason.DeviceFlagged, outcome.Artifact);
        Assert.True(outcome.IsArtifact);
        Assert.Empty(outcome.Findings);
        Assert.False(outcome.LearningRestarted);
        // The same value unflagged is a spike, so the silence above is the screening's doing.
        Assert.Contains(unflagged.Observe(250).Findings, f => f.Kind == AnomalyKind.Spike);
    }

    [Fact]
    public void A_device_flagged_reading_never_enters_the_window()
    {
        var flagged = new Feed(Readings.Monitor());
        var clean = new Feed(Readings.Monitor());
        var dirty = new Feed(Readings.Monitor());
        foreach (var feed in new[] { flagged, clean, dirty })
        {
            feed.ObserveAll(Steady);
        }

        flagged.Observe(250, deviceFlagged: true);
        dirty.Observe(250);
        clean.FallSilent(TimeSpan.FromSeconds(2));

        var withFlagged = flagged.ObserveAll(After);
        var withoutIt = clean.ObserveAll(After);
        var withItUnflagged = dirty.ObserveAll(After);

        Assert.Equal(Findings(withoutIt), Findings(withFlagged));
        Assert.Equal(Bits(clean.Monitor.Baseline.Level), Bits(flagged.Monitor.Baseline.Level));
        Assert.Equal(100, Assert.Single(Findings(withFlagged)).Value);
        // Had 250 reached the window, the jump would have been judged against it.
        Assert.NotEqual(Findings(withoutIt), Findings(withItUnflagged));
    }

    [Fact]
    public void A_normal_reading_after_a_flagged_extreme_raises_nothing()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Steady);
        feed.Observe(250, deviceFlagged: true);

        var next = feed.Observe(72.4);

        Assert.False(next.IsArtifact);
        Assert.Empty(next.Findings);
    }

    [Theory]
    [InlineData(VitalSign.HeartRate, 0)]
    [InlineData(VitalSign.OxygenSaturation, 0)]
    [InlineData(VitalSign.RespiratoryRate, 0)]
    [InlineData(VitalSign.SystolicBloodPressure, 0)]
    [InlineData(VitalSign.OxygenSaturation, -1)]
    public void A_reading_of_zero_or_below_is_a_dropout_kept_from_detectors_and_baseline(VitalSign sign, double value)
    {
        var dropped = new Feed(Readings.Monitor(sign));
        var clean = new Feed(Readings.Monitor(sign));
        dropped.ObserveAll(Steady);
        clean.ObserveAll(Steady);
        var count = dropped.Monitor.Baseline.Count;

        var outcome = dropped.Observe(value);

        Assert.Equal(ArtifactReason.Dropout, outcome.Artifact);
        Assert.Empty(outcome.Findings);
        Assert.Equal(count, dropped.Monitor.Baseline.Count);
        clean.FallSilent(TimeSpan.FromSeconds(2));
        Assert.Equal(Findings(clean.ObserveAll(After)), Findings(dropped.ObserveAll(After)));
    }

    [Fact]
    public void A_body_temperature_of_zero_is_not_screened_as_a_dropout()
    {
        var feed = new Feed(Readings.Monitor(VitalSign.BodyTemperature));
        feed.ObserveAll(Readings.Noisy(37, 0.3, 200, seed: 4));

        var outcome = feed.Observe(0);

        Assert.Equal(ArtifactReason.None, outcome.Artifact);
        // It reached the detectors, where it is a downward spike.
        var spike = Assert.Single(outcome.Findings);
        Assert.Equal(AnomalyKind.Spike, spike.Kind);
        Assert.False(spike.Upward);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void From_the_reading_after_FlatLineLength_identical_ones_on_the_value_is_a_flat_line(int flatLineLength)
    {
        var feed = new Feed(Readings.Monitor(rules: new ArtifactRules { FlatLineLength = flatLineLength }));
        feed.ObserveAll(Readings.Noisy(72, 1, 50, seed: 5));
        var count = feed.Monitor.Baseline.Count;

        var outcomes = feed.ObserveAll(Enumerable.Repeat(72.05, flatLineLength + 5));

        Assert.All(outcomes.Take(flatLineLength), o => Assert.Equal(ArtifactReason.None, o.Artifact));
        Assert.All(outcomes.Skip(flatLineLength), o => Assert.Equal(ArtifactReason.FlatLine, o.Artifact));
        Assert.Equal(count + flatLineLength, feed.Monitor.Baseline.Count);
        Assert.Equal(ArtifactReason.None, feed.Observe(72.15).Artifact);
    }

    [Fact]
    public void A_flat_line_is_ten_identical_readings_by_default()
    {
        Assert.Equal(10, new ArtifactRules().FlatLineLength);
    }

    [Fact]
    public void After_a_flat_stretch_the_first_varying_normal_reading_raises_no_spike()
    {
        // Longer than the spike window, so without the rule the window would hold nothing but the stuck value.
        double[] stuck = [.. Steady, .. Enumerable.Repeat(72.05, 150)];
        var screened = new Feed(Readings.Monitor());
        var unscreened = new Feed(Readings.Monitor(rules: new ArtifactRules { FlatLineLength = 100_000 }));
        screened.ObserveAll(stuck);
        unscreened.ObserveAll(stuck);

        var first = screened.Observe(73.1);
        var rest = screened.ObserveAll(Readings.Noisy(72, 1, 50, seed: 6));

        Assert.Equal(ArtifactReason.None, first.Artifact);
        Assert.Empty(first.Findings);
        Assert.Empty(Findings(rest));
        Assert.Contains(unscreened.Observe(73.1).Findings, f => f.Kind == AnomalyKind.Spike);
    }

    [Fact]
    public void A_gap_longer_than_MaxGap_restarts_learning_so_a_jump_right_after_it_is_not_flagged()
    {
        var gapped = new Feed(Readings.Monitor());
        var continuous = new Feed(Readings.Monitor());
        gapped.ObserveAll(Steady);
        continuous.ObserveAll(Steady);
        gapped.FallSilent(new ArtifactRules().MaxGap + TimeSpan.FromSeconds(1));

        var afterGap = gapped.Observe(100);

        Assert.True(afterGap.LearningRestarted);
        Assert.False(afterGap.IsArtifact);
        Assert.Empty(afterGap.Findings);
        Assert.False(gapped.Observe(72.3).LearningRestarted);
        Assert.Contains(continuous.Observe(100).Findings, f => f.Kind == AnomalyKind.Spike);
    }

    [Fact]
    public void After_a_restart_the_spike_detector_waits_for_a_full_window_again()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Steady);
        feed.FallSilent(TimeSpan.FromHours(1));

        feed.ObserveAll(Readings.Noisy(72, 1, 118, seed: 7));
        var jumpInShortWindow = feed.Observe(100);
        feed.ObserveAll(Readings.Noisy(72, 1, 130, seed: 8));
        var jumpInFullWindow = feed.Observe(100);

        Assert.Empty(jumpInShortWindow.Findings);
        Assert.Contains(jumpInFullWindow.Findings, f => f.Kind == AnomalyKind.Spike);
    }

    [Fact]
    public void A_gap_of_exactly_MaxGap_does_not_restart_learning()
    {
        var rules = new ArtifactRules { MaxGap = TimeSpan.FromSeconds(30) };
        var feed = new Feed(Readings.Monitor(rules: rules));
        feed.ObserveAll(Steady);

        feed.FallSilent(rules.MaxGap);
        var atLimit = feed.Observe(72.2);
        feed.FallSilent(rules.MaxGap + TimeSpan.FromTicks(1));
        var beyond = feed.Observe(72.3);

        Assert.False(atLimit.LearningRestarted);
        Assert.True(beyond.LearningRestarted);
    }

    [Fact]
    public void Artifacts_during_a_silence_do_not_bridge_the_gap()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Steady);

        for (var minute = 0; minute < 20; minute++)
        {
            feed.FallSilent(TimeSpan.FromMinutes(1));
            Assert.False(feed.Observe(72, deviceFlagged: true).LearningRestarted);
        }
        feed.FallSilent(TimeSpan.FromMinutes(1));

        Assert.True(feed.Observe(72.4).LearningRestarted);
    }

    private static List<AnomalyFinding> Findings(IEnumerable<MonitorOutcome> outcomes) => [.. outcomes.SelectMany(o => o.Findings)];

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
}
