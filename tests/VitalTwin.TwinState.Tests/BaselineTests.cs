using VitalTwin.Clinical;
using VitalTwin.Detection;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class BaselineTests
{
    private static readonly TimeSpan HoldBack = TwinSettings.Default.BaselineHoldBack;

    private readonly PatientTwin _twin = new("patient-1");
    private readonly Devices _devices = new();

    // 70 ± 2 bpm, deterministic.
    private static double Usual(int second) => 70 + (2 * Math.Sin(second * 0.7));

    [Fact]
    public void A_reading_teaches_the_baseline_only_after_the_hold_back()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 70, atSecond: 0));
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 10));

        var held = Vital();
        Assert.Equal(0, held.Baseline.Count);
        Assert.Equal(2, held.HeldBack);

        _twin.RefreshStaleness(Readings.Start + HoldBack);

        var released = Vital();
        Assert.Equal(1, released.Baseline.Count);
        Assert.Equal(70, released.Baseline.Level);
        Assert.Equal(1, released.HeldBack);
    }

    [Fact]
    public void The_baseline_follows_the_personal_baseline_of_exactly_the_clean_readings()
    {
        var expected = new PersonalBaseline();
        for (int second = 0; second < 300; second++)
        {
            _twin.Apply(_devices.Reading(VitalSign.HeartRate, Usual(second), second));
            expected.Add(Usual(second));
        }

        _twin.RefreshStaleness(Readings.Start.AddSeconds(300) + HoldBack);

        var baseline = Vital().Baseline;
        Assert.Equal(300, baseline.Count);
        Assert.Equal(expected.Level, baseline.Level);
        Assert.Equal(expected.Spread, baseline.Spread);
        Assert.True(baseline.IsEstablished);
    }

    [Fact]
    public void The_baseline_adapts_slowly_to_a_lasting_change()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 1800, Usual);
        _twin.RefreshStaleness(Readings.Start.AddSeconds(1800) + HoldBack);
        var settled = Vital().Baseline.Level;

        _devices.Stream(_twin, VitalSign.HeartRate, 1800, 1860, s => Usual(s) + 25);
        _twin.RefreshStaleness(Readings.Start.AddSeconds(1860) + HoldBack);
        var afterAMinute = Vital().Baseline.Level;

        _devices.Stream(_twin, VitalSign.HeartRate, 1860, 1800 + 7200, s => Usual(s) + 25);
        _twin.RefreshStaleness(Readings.Start.AddSeconds(1800 + 7200) + HoldBack);
        var afterTwoHours = Vital().Baseline.Level;

        Assert.InRange(settled, 69.5, 70.5);
        // A minute of a 25 bpm rise moves the baseline by under 1 bpm...
        Assert.InRange(afterAMinute - settled, 0.1, 1.0);
        // ...but a change that lasts is learnt.
        Assert.InRange(afterTwoHours, 94, 96);
    }

    [Fact]
    public void A_single_wild_reading_barely_moves_an_established_baseline()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 600, Usual);
        _twin.RefreshStaleness(Readings.Start.AddSeconds(600) + HoldBack);
        var before = Vital().Baseline;

        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 190, atSecond: 600));
        _twin.RefreshStaleness(Readings.Start.AddSeconds(601) + HoldBack);

        var after = Vital().Baseline;
        Assert.Equal(before.Count + 1, after.Count);
        Assert.InRange(after.Level - before.Level, 0, 0.05);
    }

    [Fact]
    public void Artifact_readings_are_shown_but_never_learnt_from_nor_scored()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 100, Usual);

        var change = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 180, atSecond: 100, quality: ReadingQuality.MotionArtifact));
        _devices.Stream(_twin, VitalSign.HeartRate, 101, 200, Usual);
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 30, atSecond: 200, quality: ReadingQuality.ProbeOff | ReadingQuality.LowPerfusion));
        _twin.RefreshStaleness(Readings.Start.AddSeconds(200) + HoldBack);

        Assert.Equal(ReadingEffect.Latest, change.Effect);
        Assert.False(change.News2Changed);
        var vital = Vital();
        Assert.Equal(30, vital.Latest.Value);
        Assert.True(vital.Latest.Quality.IsArtifact());
        Assert.Equal(Usual(199), vital.Scored!.Value);
        Assert.Equal(0, _twin.Snapshot().News2.SubScores.Single(s => s.Parameter == News2Parameter.Pulse).Score);
        var expected = new PersonalBaseline();
        foreach (var second in Enumerable.Range(0, 200).Where(s => s != 100))
        {
            expected.Add(Usual(second));
        }

        Assert.Equal(199, vital.Baseline.Count);
        Assert.Equal(expected.Level, vital.Baseline.Level);
    }

    [Fact]
    public void A_reading_an_anomaly_is_reported_for_within_the_hold_back_is_not_learnt()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 100, Usual);
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 150, atSecond: 100));
        _devices.Stream(_twin, VitalSign.HeartRate, 101, 110, Usual);

        Assert.True(_twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 100)));
        _devices.Stream(_twin, VitalSign.HeartRate, 110, 200, Usual);
        _twin.RefreshStaleness(Readings.Start.AddSeconds(200) + HoldBack);

        AssertLearntAllBut(100, count: 200);
    }

    [Fact]
    public void A_reading_whose_anomaly_arrived_first_is_not_learnt()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 100, Usual);

        _twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 100));
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 150, atSecond: 100));
        _devices.Stream(_twin, VitalSign.HeartRate, 101, 200, Usual);
        _twin.RefreshStaleness(Readings.Start.AddSeconds(200) + HoldBack);

        AssertLearntAllBut(100, count: 200);
        Assert.Equal("anomaly-1", _twin.Snapshot().OpenAnomalies.Single().Id);
    }

    [Fact]
    public void An_anomaly_reported_after_the_hold_back_is_too_late_to_keep_its_reading_out()
    {
        _devices.Stream(_twin, VitalSign.HeartRate, 0, 100, Usual);
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 150, atSecond: 100));
        _devices.Stream(_twin, VitalSign.HeartRate, 101, 100 + (int)HoldBack.TotalSeconds + 1, Usual);

        _twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: 100));

        Assert.Equal(101, Vital().Baseline.Count);
    }

    private void AssertLearntAllBut(int skippedSecond, int count)
    {
        var expected = new PersonalBaseline();
        foreach (var second in Enumerable.Range(0, count).Where(s => s != skippedSecond))
        {
            expected.Add(Usual(second));
        }

        var baseline = Vital().Baseline;
        Assert.Equal(count - 1, baseline.Count);
        Assert.Equal(expected.Level, baseline.Level);
        Assert.Equal(expected.Spread, baseline.Spread);
    }

    private VitalStatus Vital() => _twin.Snapshot().Vitals[VitalSign.HeartRate];
}
