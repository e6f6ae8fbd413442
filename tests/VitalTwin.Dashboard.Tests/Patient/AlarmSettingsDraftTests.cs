using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Dashboard.Clinical;

namespace VitalTwin.Dashboard.Tests.Patient;

public sealed class AlarmSettingsDraftTests
{
    [Fact]
    public void Only_the_vitals_the_clinician_touched_are_set_so_saving_one_does_not_re_author_the_others()
    {
        var draft = new AlarmSettingsDraft();
        draft.Load(InForce(new VitalAlarmSetting { Code = new VitalCode { Loinc = Twins.Systolic }, LowLimit = 85 }));
        var pulse = draft.Vitals.Single(v => v.Vital.Definition.Loinc == Twins.HeartRate);
        pulse.High = 140;
        pulse.HoldSeconds = 30;
        pulse.Sensitivity = DetectorSensitivity.Low;
        pulse.Touched = true;

        var (change, problem) = draft.Change();

        Assert.Null(problem);
        var set = Assert.Single(change!.Set);
        Assert.Equal(
            (Twins.HeartRate, false, 140.0, TimeSpan.FromSeconds(30), DetectorSensitivity.Low),
            (set.Code.Loinc, set.HasLowLimit, set.HighLimit, set.HoldTime.ToTimeSpan(), set.Sensitivity));
        Assert.Empty(change.Clear);
        Assert.False(change.HasSpo2Scale2);
    }

    [Fact]
    public void The_form_loads_the_settings_in_force_and_a_cleared_vital_goes_back_to_the_defaults_with_scale_2_as_chosen()
    {
        var draft = new AlarmSettingsDraft();
        draft.Load(InForce(new VitalAlarmSetting { Code = new VitalCode { Loinc = Twins.Systolic }, LowLimit = 85, HoldTime = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) }));
        var systolic = draft.Vitals.Single(v => v.Vital.Definition.Loinc == Twins.Systolic);
        Assert.Equal((85.0, (double?)null, 60.0), (systolic.Low, systolic.High, systolic.HoldSeconds));

        systolic.Clear = true;
        draft.Scale2 = AlarmSettingsDraft.Scale2Off;
        var (change, _) = draft.Change();

        Assert.Empty(change!.Set);
        Assert.Equal(Twins.Systolic, Assert.Single(change.Clear).Loinc);
        Assert.Equal((true, false), (change.HasSpo2Scale2, change.Spo2Scale2));
    }

    [Fact]
    public void A_form_that_changes_nothing_describes_no_change()
    {
        var draft = new AlarmSettingsDraft();
        draft.Load(null);

        var (change, problem) = draft.Change();

        Assert.Null(change);
        Assert.NotNull(problem);
    }

    [Fact]
    public void Each_vital_shows_the_news2_score_3_limits_it_replaces_and_spo2_by_its_scale()
    {
        string Defaults(string loinc, bool scale2 = false) =>
            AlarmSettingsDisplay.Defaults(AlarmSettingsDisplay.Vitals.Single(v => v.Definition.Loinc == loinc), scale2);

        Assert.Equal("≤ 40, ≥ 131 /min", Defaults(Twins.HeartRate));
        Assert.Equal("≤ 8, ≥ 25 /min", Defaults(Twins.Respiration));
        Assert.Equal("≤ 91 % (scale 1)", Defaults(Twins.Saturation));
        Assert.Equal("≤ 83 % (scale 2; ≥ 97 % on oxygen)", Defaults(Twins.Saturation, scale2: true));
        Assert.Equal("≤ 90, ≥ 220 mmHg", Defaults(Twins.Systolic));
        Assert.Equal("≤ 35.0 °C", Defaults(Twins.Temperature));
    }

    [Fact]
    public void An_expiry_reads_relative_and_absolute()
    {
        var expires = Twins.Now + TimeSpan.FromHours(23.5);

        Assert.Equal("in 23 h (2026-12-08 11:30:00 UTC)", AlarmSettingsDisplay.Expiry(Twins.At(expires), Twins.Now));
        Assert.Equal("expired at 2026-12-08 11:30:00 UTC", AlarmSettingsDisplay.Expiry(Twins.At(expires), expires));
    }

    [Fact]
    public void A_projection_says_when_news2_would_reach_5_and_7_and_lines_up_each_step()
    {
        var projection = new Projection { FirstNews25At = Twins.At(Twins.Now.AddMinutes(5)) };
        for (var step = 0; step < 3; step++)
        {
            projection.News2.Add(new ProjectedNews2 { At = Twins.At(Twins.Now.AddMinutes(5 * step)), Total = 4 + step, AtLeast = 3 + step, AtMost = 6 + step });
        }
        var pulse = new ProjectedVital { Code = new VitalCode { Loinc = Twins.HeartRate }, Unit = "/min" };
        pulse.Points.Add(new ProjectedPoint { At = Twins.At(Twins.Now), Value = 101.4, Lower = 95.2, Upper = 108 });
        projection.Vitals.Add(pulse);

        Assert.Equal("NEWS2 would reach 5 at 2026-12-07 12:05:00 UTC; 7 not within the horizon.", ProjectionDisplay.Reach(projection));
        Assert.Equal("NEWS2 would not reach 5 within the horizon.", ProjectionDisplay.Reach(new Projection()));
        var rows = ProjectionDisplay.Rows(projection);
        Assert.Equal([4, 5, 6], rows.Select(r => r.News2!.Total));
        Assert.Equal("101 (95–108)", ProjectionDisplay.Point(rows[0].Points[0]));
        Assert.Equal("–", ProjectionDisplay.Point(rows[2].Points[0]));
    }

    private static PatientAlarmSettings InForce(params VitalAlarmSetting[] vitals)
    {
        var settings = new PatientAlarmSettings { PatientId = "p-1" };
        settings.Vitals.AddRange(vitals);
        return settings;
    }
}
