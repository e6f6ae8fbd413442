using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

/// <summary>Which vitals turned stale or fresh again, as the twin reports them for the "vital stale" alert.</summary>
public class StalenessReportTests
{
    private static readonly TimeSpan MonitorInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan HeartRateStaleAfter = TwinSettings.Default.StaleAfterFor(VitalSign.HeartRate);

    private readonly PatientTwin _twin = new("patient-1");
    private readonly Devices _devices = new();
    private readonly FakeTimeProvider _clock = new(Readings.Start);

    [Fact]
    public void A_vital_that_stops_arriving_is_reported_stale_once_when_its_threshold_passes()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));

        var reports = RefreshEveryInterval(until: Readings.Start.AddMinutes(30));

        var (at, change) = Assert.Single(reports);
        Assert.Equal(new StalenessChange(VitalSign.HeartRate, IsStale: true, LastObservedAt: Readings.Start, AsOf: at), change);
        Assert.True(at - Readings.Start > HeartRateStaleAfter);
        Assert.True(at - Readings.Start <= HeartRateStaleAfter + MonitorInterval);
        Assert.True(_twin.Snapshot().Vitals[VitalSign.HeartRate].IsStale);
    }

    [Fact]
    public void Each_vital_is_reported_at_its_own_threshold()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));
        _twin.Apply(_devices.Reading(VitalSign.SystolicBloodPressure, 120, atSecond: 0, device: "cuff"));

        var reports = RefreshEveryInterval(until: Readings.Start.AddHours(2));

        Assert.Equal([VitalSign.HeartRate, VitalSign.SystolicBloodPressure], reports.Select(r => r.Change.Sign));
        Assert.All(reports, r => Assert.True(r.Change.IsStale));
        Assert.True(reports[1].At - Readings.Start > TwinSettings.Default.StaleAfterFor(VitalSign.SystolicBloodPressure));
    }

    [Fact]
    public void A_usable_reading_of_a_stale_vital_reports_it_fresh_again()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));
        Assert.Single(_twin.RefreshStaleness(Readings.Start.AddMinutes(6)).Staleness);

        var change = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 74, atSecond: 7 * 60));

        var recovered = Readings.Start.AddMinutes(7);
        Assert.Equal([new StalenessChange(VitalSign.HeartRate, IsStale: false, LastObservedAt: recovered, AsOf: recovered)], change.Staleness);
        Assert.Empty(_twin.Apply(_devices.Reading(VitalSign.HeartRate, 75, atSecond: 7 * 60 + 1)).Staleness);
        Assert.False(_twin.Snapshot().Vitals[VitalSign.HeartRate].IsStale);
    }

    [Theory]
    [InlineData(ReadingQuality.MotionArtifact)]
    [InlineData(ReadingQuality.ProbeOff)]
    [InlineData(ReadingQuality.Calibrating)]
    [InlineData(ReadingQuality.ProbeOff | ReadingQuality.ManualEntry)]
    public void An_artifact_does_not_bring_a_stale_vital_back(ReadingQuality artifact)
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 96, atSecond: 0));
        _twin.RefreshStaleness(Readings.Start.AddMinutes(6));

        var change = _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 40, atSecond: 7 * 60, quality: artifact));

        Assert.Equal(ReadingEffect.Latest, change.Effect);
        Assert.Empty(change.Staleness);
        Assert.True(_twin.Snapshot().Vitals[VitalSign.OxygenSaturation].IsStale);
        Assert.Empty(_twin.RefreshStaleness(Readings.Start.AddMinutes(8)).Staleness);
    }

    [Theory]
    [InlineData(ReadingQuality.LowPerfusion)]
    [InlineData(ReadingQuality.Questionable)]
    [InlineData(ReadingQuality.ManualEntry)]
    public void A_questionable_reading_is_usable_and_brings_a_stale_vital_back(ReadingQuality quality)
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 96, atSecond: 0));
        _twin.RefreshStaleness(Readings.Start.AddMinutes(6));

        var change = _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 93, atSecond: 7 * 60, quality: quality));

        Assert.False(Assert.Single(change.Staleness).IsStale);
    }

    [Fact]
    public void A_reading_still_older_than_the_threshold_does_not_bring_the_vital_back()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));
        _twin.RefreshStaleness(Readings.Start.AddMinutes(10));

        // A second device's delayed reading: newer than the latest value, still far behind the twin's clock.
        var change = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 73, atSecond: 60, device: "monitor-2"));

        Assert.Equal(ReadingEffect.Latest, change.Effect);
        Assert.Empty(change.Staleness);
        Assert.True(_twin.Snapshot().Vitals[VitalSign.HeartRate].IsStale);
    }

    [Fact]
    public void A_reading_that_moves_the_clock_reports_the_vitals_it_leaves_behind_and_a_later_refresh_does_not_repeat_them()
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 96, atSecond: 0, device: "oximeter"));

        var reported = new List<StalenessChange>();
        for (int second = 0; second <= 6 * 60; second += 10)
        {
            reported.AddRange(_twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: second)).Staleness);
        }

        var change = Assert.Single(reported);
        Assert.Equal((VitalSign.OxygenSaturation, true, Readings.Start), (change.Sign, change.IsStale, change.LastObservedAt));
        Assert.True(change.AsOf - Readings.Start > TwinSettings.Default.StaleAfterFor(VitalSign.OxygenSaturation));
        Assert.Empty(_twin.RefreshStaleness(Readings.Start.AddMinutes(7)).Staleness);
    }

    [Fact]
    public void A_vital_never_measured_usably_is_missing_and_never_reported_stale()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 0, atSecond: 0, quality: ReadingQuality.ProbeOff));

        Assert.Empty(RefreshEveryInterval(until: Readings.Start.AddMinutes(30)));
        Assert.Equal(News2InputStatus.Missing, _twin.Snapshot().News2Inputs.Single(i => i.Parameter == News2Parameter.Pulse).Status);
    }

    [Fact]
    public void A_twin_restored_after_it_went_stale_does_not_report_it_again_but_reports_the_recovery()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));
        Assert.Single(_twin.RefreshStaleness(Readings.Start.AddMinutes(6)).Staleness);

        var restored = PatientTwin.Restore(TwinSnapshot.FromBytes(_twin.Snapshot().ToBytes()));

        Assert.Empty(restored.RefreshStaleness(Readings.Start.AddMinutes(7)).Staleness);
        Assert.False(Assert.Single(restored.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 8 * 60)).Staleness).IsStale);
    }

    [Fact]
    public void The_registry_names_each_changed_twin_with_the_vitals_that_turned_stale()
    {
        var registry = new TwinRegistry();
        registry.GetOrCreate("quiet").Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));
        registry.GetOrCreate("busy").Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 550, device: "monitor-2"));
        // Its anomaly closes at minute 5: the twin changed, yet no vital turned stale.
        registry.GetOrCreate("anomalous").RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 150, atSecond: -25 * 60));

        var refreshed = registry.RefreshStaleness(Readings.Start.AddMinutes(10));

        Assert.Equal(["anomalous", "quiet"], refreshed.Select(t => t.PatientId));
        Assert.Empty(refreshed[0].Staleness);
        Assert.Equal(VitalSign.HeartRate, Assert.Single(refreshed[1].Staleness).Sign);
    }

    /// <summary>Refreshes the twin as the staleness monitor does, on each tick of a fake clock, and collects what it reports.</summary>
    private List<(DateTimeOffset At, StalenessChange Change)> RefreshEveryInterval(DateTimeOffset until)
    {
        var reports = new List<(DateTimeOffset, StalenessChange)>();
        while (_clock.GetUtcNow() < until)
        {
            _clock.Advance(MonitorInterval);
            var now = _clock.GetUtcNow();
            reports.AddRange(_twin.RefreshStaleness(now).Staleness.Select(change => (now, change)));
        }

        return reports;
    }
}
