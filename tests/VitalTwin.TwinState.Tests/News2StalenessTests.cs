using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class News2StalenessTests
{
    private readonly PatientTwin _twin = new("patient-1");
    private readonly Devices _devices = new();

    [Fact]
    public void A_new_twin_says_which_parameters_are_missing_and_which_assumed()
    {
        var snapshot = _twin.Snapshot();

        Assert.Equal(
            [
                new News2Input(News2Parameter.RespirationRate, News2InputStatus.Missing),
                new News2Input(News2Parameter.OxygenSaturation, News2InputStatus.Missing),
                new News2Input(News2Parameter.AirOrOxygen, News2InputStatus.Assumed),
                new News2Input(News2Parameter.SystolicBloodPressure, News2InputStatus.Missing),
                new News2Input(News2Parameter.Pulse, News2InputStatus.Missing),
                new News2Input(News2Parameter.Consciousness, News2InputStatus.Assumed),
                new News2Input(News2Parameter.Temperature, News2InputStatus.Missing),
            ],
            snapshot.News2Inputs);
        Assert.Null(snapshot.AsOf);
    }

    [Fact]
    public void A_vital_older_than_its_threshold_turns_stale_and_is_scored_as_missing()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 125, atSecond: 0));
        Assert.Equal(2, _twin.Snapshot().News2.Total);

        var justInTime = _twin.RefreshStaleness(Readings.Start.AddMinutes(5)).Changed;
        var late = _twin.RefreshStaleness(Readings.Start.AddMinutes(5).AddSeconds(1)).Changed;

        Assert.False(justInTime);
        Assert.True(late);
        var snapshot = _twin.Snapshot();
        Assert.True(snapshot.Vitals[VitalSign.HeartRate].IsStale);
        Assert.Equal(News2InputStatus.Stale, Input(snapshot, News2Parameter.Pulse));
        var pulse = snapshot.News2.SubScores.Single(s => s.Parameter == News2Parameter.Pulse);
        Assert.True(pulse.Missing);
        Assert.Equal(0, pulse.Score);
        Assert.Equal(0, snapshot.News2.Total);
        Assert.Equal(125, snapshot.Latest[VitalSign.HeartRate].Value);
        Assert.Equal(Readings.Start.AddMinutes(5).AddSeconds(1), snapshot.AsOf);
    }

    [Fact]
    public void Refreshing_again_changes_nothing_and_the_clock_never_goes_back()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 80, atSecond: 0));
        Assert.True(_twin.RefreshStaleness(Readings.Start.AddMinutes(10)).Changed);

        Assert.False(_twin.RefreshStaleness(Readings.Start.AddMinutes(11)).Changed);
        Assert.False(_twin.RefreshStaleness(Readings.Start.AddMinutes(1)).Changed);

        Assert.True(_twin.Snapshot().Vitals[VitalSign.HeartRate].IsStale);
        Assert.Equal(Readings.Start.AddMinutes(11), _twin.Snapshot().AsOf);
    }

    [Fact]
    public void A_fresh_reading_ends_staleness_and_changes_news2()
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 125, atSecond: 0));
        _twin.RefreshStaleness(Readings.Start.AddMinutes(6));

        var change = _twin.Apply(_devices.Reading(VitalSign.HeartRate, 125, atSecond: 6 * 60));

        Assert.True(change.News2Changed);
        Assert.Equal(0, change.Previous.Total);
        Assert.Equal(2, change.Current.Total);
        Assert.False(_twin.Snapshot().Vitals[VitalSign.HeartRate].IsStale);
    }

    [Fact]
    public void Readings_of_other_vitals_move_the_clock_so_a_silent_vital_turns_stale_in_a_replay_too()
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 90, atSecond: 0, device: "oximeter"));

        // Stale after 5 min; the drop back to low risk then holds for a minute before it counts.
        var change = _devices.Stream(_twin, VitalSign.HeartRate, 0, 7 * 60, _ => 72, stepSeconds: 10);

        Assert.Equal(News2InputStatus.Stale, Input(_twin.Snapshot(), News2Parameter.OxygenSaturation));
        Assert.Equal(0, change.Current.Total);
    }

    [Fact]
    public void Intermittent_vitals_have_their_own_threshold()
    {
        var settings = TwinSettings.Default with
        {
            StaleAfter = new Dictionary<VitalSign, TimeSpan> { [VitalSign.SystolicBloodPressure] = TimeSpan.FromMinutes(30) },
            DefaultStaleAfter = TimeSpan.FromMinutes(2),
        };
        var twin = new PatientTwin("patient-1", settings);
        twin.Apply(_devices.Reading(VitalSign.SystolicBloodPressure, 95, atSecond: 0, device: "cuff"));
        twin.Apply(_devices.Reading(VitalSign.RespiratoryRate, 26, atSecond: 0));

        twin.RefreshStaleness(Readings.Start.AddMinutes(20));

        var snapshot = twin.Snapshot();
        Assert.Equal(News2InputStatus.Measured, Input(snapshot, News2Parameter.SystolicBloodPressure));
        Assert.Equal(News2InputStatus.Stale, Input(snapshot, News2Parameter.RespirationRate));
        Assert.Equal(2, snapshot.News2.Total);
        Assert.Equal(TimeSpan.FromHours(1), TwinSettings.Default.StaleAfterFor(VitalSign.SystolicBloodPressure));
        Assert.Equal(TimeSpan.FromMinutes(5), TwinSettings.Default.StaleAfterFor(VitalSign.HeartRate));
    }

    [Fact]
    public void Supplemental_oxygen_adds_two_and_is_recorded_rather_than_assumed()
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 97, atSecond: 0));

        var change = _twin.SetContext(new PatientContext(OnSupplementalOxygen: true));

        Assert.True(change.News2Changed);
        Assert.Equal(ReadingEffect.None, change.Effect);
        Assert.Equal(0, change.Previous.Total);
        Assert.Equal(2, change.Current.Total);
        var air = change.Current.SubScores.Single(s => s.Parameter == News2Parameter.AirOrOxygen);
        Assert.Equal((2, false), (air.Score, air.Assumed));
        Assert.Equal(News2InputStatus.Recorded, Input(_twin.Snapshot(), News2Parameter.AirOrOxygen));
    }

    [Theory]
    [InlineData(SpO2Scale.Scale1, false, 90, 3 + 0)]
    [InlineData(SpO2Scale.Scale2, false, 90, 0 + 0)]
    [InlineData(SpO2Scale.Scale2, false, 97, 0 + 0)]
    [InlineData(SpO2Scale.Scale2, true, 97, 3 + 2)]
    [InlineData(SpO2Scale.Scale2, true, 93, 1 + 2)]
    [InlineData(SpO2Scale.Scale2, true, 83, 3 + 2)]
    [InlineData(SpO2Scale.Scale1, true, 97, 0 + 2)]
    public void Scale_two_scores_saturation_for_confirmed_hypercapnic_patients(SpO2Scale scale, bool onOxygen, double saturation, int expectedTotal)
    {
        _twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, saturation, atSecond: 0));

        var change = _twin.SetContext(new PatientContext(OnSupplementalOxygen: onOxygen, SpO2Scale: scale));

        Assert.Equal(expectedTotal, change.Current.Total);
    }

    [Theory]
    [InlineData(Consciousness.NewConfusion)]
    [InlineData(Consciousness.Voice)]
    [InlineData(Consciousness.Pain)]
    [InlineData(Consciousness.Unresponsive)]
    public void Any_consciousness_but_alert_scores_three_and_is_a_red_score(Consciousness level)
    {
        _twin.Apply(_devices.Reading(VitalSign.HeartRate, 72, atSecond: 0));

        var change = _twin.SetContext(new PatientContext(Consciousness: level));

        Assert.Equal(3, change.Current.Total);
        Assert.Equal(News2Risk.LowMedium, change.Current.Risk);
        Assert.Equal(News2InputStatus.Recorded, Input(_twin.Snapshot(), News2Parameter.Consciousness));
    }

    [Fact]
    public void Recording_alert_scores_nothing_but_is_no_longer_an_assumption()
    {
        var change = _twin.SetContext(new PatientContext(Consciousness: Consciousness.Alert, Ward: "ward-7", Bed: "12"));

        Assert.True(change.News2Changed);
        Assert.Equal(0, change.Current.Total);
        Assert.False(change.Current.SubScores.Single(s => s.Parameter == News2Parameter.Consciousness).Assumed);
        Assert.Equal("ward-7", _twin.Context.Ward);
        Assert.False(_twin.SetContext(_twin.Context with { }).News2Changed);
    }

    [Fact]
    public void Setting_where_the_patient_lies_does_not_change_news2()
    {
        var change = _twin.SetContext(new PatientContext(Ward: "ward-7", Bed: "12"));

        Assert.False(change.News2Changed);
        Assert.Equal("12", _twin.Snapshot().Context.Bed);
    }

    private static News2InputStatus Input(TwinSnapshot snapshot, News2Parameter parameter) =>
        snapshot.News2Inputs.Single(i => i.Parameter == parameter).Status;
}
