using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

/// <summary>NEWS2 on a continuous stream: each vital's median over the NEWS2 window, and a band change that must hold.</summary>
public class RobustNews2Tests
{
    private readonly PatientTwin _twin = new("patient-1");

    [Fact]
    public void A_lone_spurious_reading_among_steady_ones_does_not_move_the_score()
    {
        for (var second = 0; second < 10; second++)
        {
            _twin.Apply(Readings.HeartRate(72, sequence: (ulong)second + 1, atSecond: second));
        }

        var change = _twin.Apply(Readings.HeartRate(180, sequence: 11, atSecond: 10));

        Assert.False(change.News2Changed);
        Assert.Equal(72, _twin.Snapshot().Vitals[VitalSign.HeartRate].ScoredValue);
        Assert.Equal(180, _twin.Snapshot().Latest[VitalSign.HeartRate].Value);
    }

    [Fact]
    public void Readings_that_left_the_window_no_longer_count_but_a_sparse_vital_keeps_its_last_three()
    {
        _twin.Apply(Readings.HeartRate(72, sequence: 1, atSecond: 0));
        _twin.Apply(Readings.HeartRate(72, sequence: 2, atSecond: 1));
        _twin.Apply(Readings.HeartRate(95, sequence: 3, atSecond: 61));
        Assert.Equal(72, _twin.Snapshot().Vitals[VitalSign.HeartRate].ScoredValue);

        _twin.Apply(Readings.HeartRate(95, sequence: 4, atSecond: 62));
        Assert.Equal(95, _twin.Snapshot().Vitals[VitalSign.HeartRate].ScoredValue);

        // Past the window's oldest reach, a reading stands alone.
        _twin.Apply(Readings.HeartRate(72, sequence: 5, atSecond: 62 + 601));
        Assert.Equal(72, _twin.Snapshot().Vitals[VitalSign.HeartRate].ScoredValue);
    }

    [Fact]
    public void A_new_band_counts_only_once_it_has_held_for_the_hold_time()
    {
        ulong sequence = 0;
        // Breathing 28 /min scores 3: the band moves from low to low-medium.
        for (var second = 0; second < 59; second++)
        {
            var change = _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, ++sequence, atSecond: second));
            Assert.Equal(News2Risk.Low, change.Current.Risk);
        }

        var held = _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, ++sequence, atSecond: 60));

        Assert.True(held.News2Changed);
        Assert.Equal(News2Risk.LowMedium, held.Current.Risk);
        Assert.Equal(3, held.Current.Total);
    }

    [Fact]
    public void A_band_change_that_does_not_hold_never_counts()
    {
        ulong sequence = 0;
        for (var second = 0; second < 40; second++)
        {
            _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, ++sequence, atSecond: second));
        }

        for (var second = 40; second < 200; second++)
        {
            var change = _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 16, ++sequence, atSecond: second));
            Assert.Equal(News2Risk.Low, change.Current.Risk);
        }
    }

    [Fact]
    public void Time_alone_confirms_a_band_change_that_held()
    {
        _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 1, atSecond: 0));
        Assert.Equal(News2Risk.Low, _twin.Snapshot().News2.Risk);

        var refresh = _twin.RefreshStaleness(Readings.Start.AddSeconds(61));

        Assert.Equal(News2Risk.LowMedium, _twin.Snapshot().News2.Risk);
        // With no reading to carry it, the refresh itself reports the change, for TwinState to announce.
        Assert.Equal((News2Risk.Low, News2Risk.LowMedium), (refresh.News2Change?.Previous.Risk, refresh.News2Change?.Current.Risk));

    }

    [Fact]
    public void The_registry_reports_each_twin_whose_NEWS2_changed_with_the_clock()
    {
        var registry = new TwinRegistry();
        registry.GetOrCreate("patient-1").Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 1, atSecond: 0));
        registry.GetOrCreate("patient-2").Apply(Readings.Of(VitalSign.RespiratoryRate, 16, 1, atSecond: 0));

        var refreshed = registry.RefreshStaleness(Readings.Start.AddSeconds(61));

        var changed = Assert.Single(refreshed, r => r.News2Change is not null);
        Assert.Equal(("patient-1", 3), (changed.PatientId, changed.News2Change!.Value.Current.Total));
    }

    [Fact]
    public void A_pending_band_change_survives_a_restart_without_counting_early_or_twice()
    {
        _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 1, atSecond: 0));
        _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 2, atSecond: 30));

        var restored = PatientTwin.Restore(TwinSnapshot.FromBytes(_twin.Snapshot().ToBytes()));

        Assert.Equal(News2Risk.Low, restored.Snapshot().News2.Risk);
        var early = restored.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 3, atSecond: 59));
        Assert.False(early.News2Changed);
        var due = restored.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 4, atSecond: 60));
        Assert.True(due.News2Changed);
        Assert.Equal(News2Risk.LowMedium, due.Current.Risk);
        Assert.False(restored.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 5, atSecond: 61)).News2Changed);
    }

    [Fact]
    public void A_clinicians_context_counts_at_once()
    {
        _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 22, 1, atSecond: 0));
        _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 94, 2, atSecond: 0));
        _twin.Apply(Readings.Of(VitalSign.HeartRate, 95, 3, atSecond: 0));
        _twin.RefreshStaleness(Readings.Start.AddMinutes(2));

        var change = _twin.SetContext(new PatientContext(OnSupplementalOxygen: true));

        Assert.True(change.News2Changed);
        Assert.Equal(News2Risk.Medium, change.Current.Risk);
    }

    [Fact]
    public void Without_a_hold_or_window_the_twin_scores_every_reading_as_it_comes()
    {
        var twin = new PatientTwin("patient-2", TwinSettings.Default with { News2Hold = TimeSpan.Zero, News2WindowReadings = 1, News2WindowMinReadings = 1 });
        twin.Apply(Readings.HeartRate(72, sequence: 1, atSecond: 0));

        var change = twin.Apply(Readings.HeartRate(135, sequence: 2, atSecond: 1));

        Assert.Equal(3, change.Current.Total);
    }

    [Fact]
    public void An_SpO2_fall_that_pulse_and_breathing_do_not_follow_is_shown_as_an_artifact_and_never_scored()
    {
        ulong sequence = 0;
        for (var second = 0; second < 20 * 60; second += 5)
        {
            _twin.Apply(Readings.Of(VitalSign.HeartRate, 72, ++sequence, atSecond: second));
            _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 16, ++sequence, atSecond: second));
            _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 97, ++sequence, atSecond: second));
        }

        for (var second = 20 * 60; second < 25 * 60; second += 5)
        {
            _twin.Apply(Readings.Of(VitalSign.HeartRate, 72, ++sequence, atSecond: second));
            _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 16, ++sequence, atSecond: second));
            var change = _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 84, ++sequence, atSecond: second));
            Assert.Equal(0, change.Current.Total);
        }

        var saturation = _twin.Snapshot().Vitals[VitalSign.OxygenSaturation];
        Assert.Equal(84, saturation.Latest.Value);
        Assert.Equal(97, saturation.ScoredValue);
        Assert.Equal(VitalTwin.Clinical.Screening.SignalArtifact.UncorroboratedDesaturation, saturation.Artifact);
        var restored = TwinSnapshot.FromBytes(_twin.Snapshot().ToBytes());
        Assert.Equal(VitalTwin.Clinical.Screening.SignalArtifact.UncorroboratedDesaturation, restored.Vitals[VitalSign.OxygenSaturation].Artifact);
    }
}
