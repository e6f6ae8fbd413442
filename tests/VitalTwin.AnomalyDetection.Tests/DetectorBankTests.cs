using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Tests;

public class DetectorBankTests
{
    private static readonly double[] Steady = Readings.Noisy(72, 1, 200, seed: 11);

    [Fact]
    public void A_jump_after_a_steady_series_is_an_upward_spike_from_the_IID_spike_detector()
    {
        var feed = new Feed(Readings.Monitor());
        Assert.Empty(feed.ObserveAll(Steady).SelectMany(o => o.Findings));
        var baseline = (feed.Monitor.Baseline.Level, feed.Monitor.Baseline.Spread);

        var outcome = feed.Observe(100);

        var spike = Assert.Single(outcome.Findings);
        Assert.Equal(VitalSign.HeartRate, spike.Sign);
        Assert.Equal(DetectorType.IidSpike, spike.Detector);
        Assert.Equal(AnomalyKind.Spike, spike.Kind);
        Assert.Equal(100, spike.Value);
        Assert.True(spike.Upward);
        // The detector keeps float32 scores, so the mean of the last 120 readings agrees to float precision.
        Assert.Equal(Steady[^120..].Average(), spike.WindowMean, 1e-4);
        Assert.Equal(120, spike.WindowSize);
        Assert.Equal(99.9, spike.Confidence);
        Assert.InRange(spike.PValue, 0, 0.001);
        Assert.True(double.IsNaN(spike.Martingale));
        Assert.Equal(baseline, (spike.BaselineLevel, spike.BaselineSpread));
    }

    [Fact]
    public void A_drop_after_a_steady_series_is_a_downward_spike()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Steady);

        var spike = Assert.Single(feed.Observe(40).Findings);

        Assert.Equal(AnomalyKind.Spike, spike.Kind);
        Assert.False(spike.Upward);
    }

    [Fact]
    public void The_spike_detector_is_silent_until_its_window_is_full()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Steady[..100]);

        Assert.Empty(feed.Observe(100).Findings);
    }

    [Fact]
    public void A_one_sided_spike_detector_ignores_the_other_direction()
    {
        DetectorSpec[] bank = [new() { Type = DetectorType.IidSpike, Confidence = 99.9, WindowSize = 120, Side = AnomalySide.Positive }];
        var feed = new Feed(Readings.Monitor(bank: bank));
        feed.ObserveAll(Steady);

        Assert.Empty(feed.Observe(40).Findings);
        Assert.Single(feed.Observe(100).Findings);
    }

    [Fact]
    public void A_sustained_level_shift_raises_a_change_point_from_the_IID_change_point_detector()
    {
        var feed = new Feed(Readings.Monitor(bank: [Readings.ChangePoint()]));
        var before = feed.ObserveAll(Readings.Noisy(72, 1, 300, seed: 12));

        var after = feed.ObserveAll(Readings.Noisy(85, 1, 100, seed: 13));

        Assert.Empty(before.SelectMany(o => o.Findings));
        var first = after.FindIndex(o => o.Findings.Count > 0);
        Assert.InRange(first, 0, 19);
        var change = Assert.Single(after[first].Findings);
        Assert.Equal(DetectorType.IidChangePoint, change.Detector);
        Assert.Equal(AnomalyKind.ChangePoint, change.Kind);
        Assert.True(change.Upward);
        Assert.InRange(change.WindowMean, 72, 85);
        Assert.Equal(20, change.WindowSize);
        Assert.Equal(95, change.Confidence);
        Assert.True(change.Martingale >= new IidChangePointDetector(95, 20, MartingaleType.Mixture).AlertThreshold);
    }

    // The default bank's change-point detector (Power martingale, 99.5 %, 60 readings) needs its martingale to reach
    // e^148, about a dozen p-values of 1e-8 within 60 readings; a level shift gives one, after which the new level is
    // in the window. So a lasting shift, the very thing it is in the bank for, goes unflagged.
    [Fact]
    public void The_default_bank_flags_a_sustained_level_shift_as_a_change_point()
    {
        var feed = new Feed(Readings.Monitor());
        feed.ObserveAll(Readings.Noisy(72, 1, 300, seed: 12));

        var after = feed.ObserveAll(Readings.Noisy(85, 1, 600, seed: 13));

        Assert.Contains(after.SelectMany(o => o.Findings), f => f.Kind == AnomalyKind.ChangePoint);
    }

    [Fact]
    public void A_per_vital_bank_replaces_the_default_for_that_vital_only()
    {
        var options = new DetectionOptions { Vitals = { [VitalSign.HeartRate] = [Readings.Spike(99, 30)] } };
        var patient = new PatientMonitor("patient-1", options);

        var heartRate = ObserveJumpAfter(patient, VitalSign.HeartRate, 40);
        var saturation = ObserveJumpAfter(patient, VitalSign.OxygenSaturation, 40);

        var spike = Assert.Single(heartRate.Findings);
        Assert.Equal(30, spike.WindowSize);
        Assert.Equal(99, spike.Confidence);
        // The default spike window of 120 is not yet full.
        Assert.Empty(saturation.Findings);
        Assert.Equal(DetectionOptions.DefaultBank, options.BankFor(VitalSign.OxygenSaturation));
    }

    [Fact]
    public void An_empty_per_vital_bank_falls_back_to_the_configured_detectors()
    {
        List<DetectorSpec> configured = [Readings.Spike(99, 30)];
        var options = new DetectionOptions { Detectors = configured, Vitals = { [VitalSign.HeartRate] = [] } };

        Assert.Same(configured, options.BankFor(VitalSign.HeartRate));
    }

    [Fact]
    public void Configured_detectors_replace_the_default_bank_for_every_vital()
    {
        var options = new DetectionOptions { Detectors = [Readings.Spike(99, 30)] };
        var patient = new PatientMonitor("patient-1", options);

        foreach (var sign in new[] { VitalSign.HeartRate, VitalSign.OxygenSaturation })
        {
            var spike = Assert.Single(ObserveJumpAfter(patient, sign, 40).Findings);
            Assert.Equal(30, spike.WindowSize);
            Assert.Equal(99, spike.Confidence);
            Assert.Equal(DetectorType.IidSpike, Assert.Single(options.BankFor(sign)).Type);
        }
        Assert.Equal(2, DetectionOptions.DefaultBank.Count);
    }

    [Fact]
    public void A_per_vital_bank_wins_over_configured_detectors()
    {
        var options = new DetectionOptions
        {
            Detectors = [Readings.Spike(99, 30)],
            Vitals = { [VitalSign.HeartRate] = [Readings.Spike(99.9, 50)] },
        };
        var patient = new PatientMonitor("patient-1", options);

        Assert.Empty(ObserveJumpAfter(patient, VitalSign.HeartRate, 40).Findings);
        Assert.Equal(30, Assert.Single(ObserveJumpAfter(patient, VitalSign.RespiratoryRate, 40).Findings).WindowSize);
    }

    [Fact]
    public void The_default_bank_is_a_spike_and_a_change_point_detector()
    {
        Assert.Equal(
            [(DetectorType.IidSpike, 99.9, 120, MartingaleType.Power), (DetectorType.IidChangePoint, 95.0, 20, MartingaleType.Mixture)],
            DetectionOptions.DefaultBank.Select(s => (s.Type, s.Confidence, s.WindowSize, s.Martingale)));
        Assert.Equal(DetectionOptions.DefaultBank, new DetectionOptions().BankFor(VitalSign.HeartRate));
    }

    private static MonitorOutcome ObserveJumpAfter(PatientMonitor patient, VitalSign sign, int steady)
    {
        var at = Readings.Start;
        foreach (var value in Readings.Noisy(72, 1, steady, seed: 14))
        {
            patient.Observe(sign, value, at, deviceFlaggedArtifact: false);
            at = at.AddSeconds(1);
        }
        return patient.Observe(sign, 60, at, deviceFlaggedArtifact: false);
    }
}
