using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class PatientTwinNews2Tests
{
    // The scoring rules themselves, reading by reading: no median window and no band hold (RobustNews2Tests has those).
    private readonly PatientTwin _twin = new("patient-1", TwinSettings.Default with { News2Hold = TimeSpan.Zero, News2WindowReadings = 1, News2WindowMinReadings = 1 });

    [Fact]
    public void A_new_twin_has_every_measured_vital_missing_and_scores_zero()
    {
        var news2 = _twin.Snapshot().News2;

        Assert.Equal(0, news2.Total);
        Assert.Equal(News2Risk.Low, news2.Risk);
        Assert.False(news2.Complete);
        Assert.Equal(5, news2.SubScores.Count(s => s.Missing));
    }

    [Fact]
    public void Five_deteriorating_vitals_score_the_rcp_chart_total_with_consciousness_and_oxygen_assumed()
    {
        // RCP NEWS2 chart 1: RR 26 (>=25) 3, SpO2 90 (<=91, scale 1) 3, SBP 95 (91-100) 2,
        // pulse 125 (111-130) 2, temperature 38.5 (38.1-39.0) 1; assumed air 0 and Alert 0.
        const int expectedTotal = 3 + 3 + 2 + 2 + 1 + 0 + 0;
        _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 26, sequence: 1, atSecond: 0));
        _twin.Apply(Readings.Of(VitalSign.OxygenSaturation, 90, sequence: 2, atSecond: 1));
        _twin.Apply(Readings.Of(VitalSign.SystolicBloodPressure, 95, sequence: 3, atSecond: 2));
        _twin.Apply(Readings.Of(VitalSign.HeartRate, 125, sequence: 4, atSecond: 3));
        var change = _twin.Apply(Readings.Of(VitalSign.BodyTemperature, 38.5, sequence: 5, atSecond: 4));

        var news2 = change.Current;
        Assert.Equal(11, expectedTotal);
        Assert.Equal(expectedTotal, news2.Total);
        Assert.Equal(News2Risk.High, news2.Risk);
        Assert.True(news2.Complete);
        Assert.Equal(3, news2.MaxSingle);
        Assert.Equal(
            [
                (News2Parameter.RespirationRate, 3, false),
                (News2Parameter.OxygenSaturation, 3, false),
                (News2Parameter.AirOrOxygen, 0, true),
                (News2Parameter.SystolicBloodPressure, 2, false),
                (News2Parameter.Pulse, 2, false),
                (News2Parameter.Consciousness, 0, true),
                (News2Parameter.Temperature, 1, false),
            ],
            news2.SubScores.Select(s => (s.Parameter, s.Score, s.Assumed)));
        Assert.DoesNotContain(news2.SubScores, s => s.Missing);
    }

    [Fact]
    public void The_first_reading_of_a_vital_changes_news2_because_it_is_no_longer_missing()
    {
        var change = _twin.Apply(Readings.HeartRate(70, sequence: 1, atSecond: 0));

        Assert.True(change.News2Changed);
        Assert.Equal(change.Previous.Total, change.Current.Total);
        Assert.True(change.Previous.SubScores.Single(s => s.Parameter == News2Parameter.Pulse).Missing);
        Assert.False(change.Current.SubScores.Single(s => s.Parameter == News2Parameter.Pulse).Missing);
    }

    [Fact]
    public void A_new_value_in_the_same_band_does_not_change_news2()
    {
        _twin.Apply(Readings.HeartRate(70, sequence: 1, atSecond: 0));

        var change = _twin.Apply(Readings.HeartRate(88, sequence: 2, atSecond: 10));

        Assert.True(change.Applied);
        Assert.False(change.News2Changed);
        Assert.Equal(88, _twin.Snapshot().Latest[VitalSign.HeartRate].Value);
    }

    [Fact]
    public void A_new_value_in_another_band_changes_news2_and_reports_the_previous_score()
    {
        _twin.Apply(Readings.HeartRate(70, sequence: 1, atSecond: 0));

        var change = _twin.Apply(Readings.HeartRate(95, sequence: 2, atSecond: 10));

        Assert.True(change.News2Changed);
        Assert.Equal(0, change.Previous.Total);
        Assert.Equal(1, change.Current.Total);
    }

    [Fact]
    public void Crossing_into_a_higher_risk_band_changes_news2()
    {
        _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 16, sequence: 1, atSecond: 0));

        var change = _twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 6, sequence: 2, atSecond: 1));

        Assert.True(change.News2Changed);
        Assert.Equal(News2Risk.Low, change.Previous.Risk);
        Assert.Equal(News2Risk.LowMedium, change.Current.Risk);
    }
}
