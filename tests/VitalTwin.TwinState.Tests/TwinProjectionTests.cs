using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.TwinState.Tests;

/// <summary>The twin carried forward: its trend, its interval, adjustments, a change of context, and the NEWS2 it implies.</summary>
public class TwinProjectionTests
{
    private const int Minutes = 40;
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(3);
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    /// <summary>The trend carried on for two hours, so that what it implies shows plainly.</summary>
    private static readonly ProjectionModel LongTrend = new(TimeSpan.FromHours(2), 0.5, FollowsForecast: false);

    private readonly Devices _devices = new();

    [Fact]
    public void A_rising_trend_projects_rising_values_and_reaches_news2_5_earlier_than_the_same_values_holding_still()
    {
        // Both end at heart rate 105 (1), breathing 21 (2), SpO2 95 (1): NEWS2 4 now.
        var rising = Twin("patient-rising", heartRate: s => 65 + (40.0 * s / (Minutes * 60)), respiration: s => 15 + (6.0 * s / (Minutes * 60)), spo2: _ => 95);
        var steady = Twin("patient-steady", heartRate: _ => 105, respiration: _ => 21, spo2: _ => 95);

        var risingProjection = TwinProjection.Project(rising.Snapshot(), new ProjectionQuestion(Horizon, Step), TwinSettings.Default, LongTrend);
        var steadyProjection = TwinProjection.Project(steady.Snapshot(), new ProjectionQuestion(Horizon, Step), TwinSettings.Default, LongTrend);

        var heartRate = risingProjection.Vitals.Single(v => v.Sign == VitalSign.HeartRate).Points.Select(p => p.Value).ToList();
        Assert.All(heartRate.Zip(heartRate.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"{pair.First} then {pair.Second}"));
        Assert.True(heartRate[^1] > heartRate[0] + 20, $"from {heartRate[0]} to {heartRate[^1]}");
        Assert.Equal(4, steadyProjection.News2[0].News2.Total);
        Assert.Null(steadyProjection.FirstNews2Of5At);
        Assert.NotNull(risingProjection.FirstNews2Of5At);
        Assert.True(risingProjection.FirstNews2Of5At < risingProjection.From + TimeSpan.FromHours(1), $"{risingProjection.FirstNews2Of5At} from {risingProjection.From}");

        // The shipped model damps the trend harder, but the values still rise.
        var shipped = TwinProjection.Project(rising.Snapshot(), new ProjectionQuestion(Horizon, Step), TwinSettings.Default);
        var shippedHeartRate = shipped.Vitals.Single(v => v.Sign == VitalSign.HeartRate).Points;
        Assert.True(shippedHeartRate[^1].Value > shippedHeartRate[0].Value, $"{shippedHeartRate[0].Value} to {shippedHeartRate[^1].Value}");
    }

    [Fact]
    public void An_adjustments_offset_and_trend_move_the_projection_by_exactly_that()
    {
        var twin = Twin("patient-adjusted", heartRate: s => 80 + (3 * Math.Sin(s / 90.0)), respiration: _ => 16, spo2: _ => 97);
        var snapshot = twin.Snapshot();
        var question = new ProjectionQuestion(Horizon, Step);

        var plain = TwinProjection.Project(snapshot, question, TwinSettings.Default);
        var adjusted = TwinProjection.Project(snapshot, question with { Adjustments = [new VitalAdjustment(VitalSign.HeartRate, 7, 5)] }, TwinSettings.Default);

        var before = plain.Vitals.Single(v => v.Sign == VitalSign.HeartRate);
        var after = adjusted.Vitals.Single(v => v.Sign == VitalSign.HeartRate);
        Assert.False(before.Adjusted);
        Assert.True(after.Adjusted);
        Assert.Equal(37, after.Points.Count);
        foreach (var (was, now) in before.Points.Zip(after.Points))
        {
            var expected = 7 + (5 * (now.At - adjusted.From).TotalHours);
            Assert.Equal(expected, now.Value - was.Value, 9);
            Assert.Equal(expected, now.Lower - was.Lower, 9);
            Assert.Equal(expected, now.Upper - was.Upper, 9);
        }

        // The other vitals are as they were.
        Assert.Equal(
            plain.Vitals.Where(v => v.Sign != VitalSign.HeartRate).SelectMany(v => v.Points),
            adjusted.Vitals.Where(v => v.Sign != VitalSign.HeartRate).SelectMany(v => v.Points));
    }

    [Fact]
    public void Supplemental_oxygen_adds_its_two_points_and_a_changed_consciousness_its_three_at_every_step()
    {
        var twin = Twin("patient-context", heartRate: _ => 80, respiration: _ => 16, spo2: _ => 97);
        var question = new ProjectionQuestion(Horizon, Step);

        var onAir = TwinProjection.Project(twin.Snapshot(), question, TwinSettings.Default);
        var onOxygen = TwinProjection.Project(twin.Snapshot(), question with { OnSupplementalOxygen = true }, TwinSettings.Default);
        var confused = TwinProjection.Project(twin.Snapshot(), question with { OnSupplementalOxygen = true, Consciousness = Consciousness.NewConfusion }, TwinSettings.Default);

        Assert.Equal(true, onOxygen.Context.OnSupplementalOxygen);
        Assert.Null(twin.Context.OnSupplementalOxygen);
        Assert.All(onAir.News2.Zip(onOxygen.News2, confused.News2), steps =>
        {
            Assert.Equal(steps.First.News2.Total + 2, steps.Second.News2.Total);
            Assert.Equal(steps.First.AtMost + 2, steps.Second.AtMost);
            Assert.Equal(steps.Second.News2.Total + 3, steps.Third.News2.Total);
        });
    }

    [Fact]
    public void The_interval_widens_with_the_horizon_is_clamped_to_the_physiological_limits_and_bounds_news2_on_both_sides()
    {
        var random = new Random(4);
        var level = 95.0;
        var twin = new PatientTwin("patient-wandering");
        for (int second = 0; second < 90 * 60; second++)
        {
            if (second % 60 == 0)
            {
                level = Math.Clamp(level + ((random.NextDouble() - 0.5) * 2), 90, 99);
            }

            twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, Math.Min(100, level + ((random.NextDouble() - 0.5) * 3)), second));
            twin.Apply(_devices.Reading(VitalSign.HeartRate, 80 + (level - 95) + ((random.NextDouble() - 0.5) * 6), second));
        }

        // Heart rate swept across NEWS2's bands; SpO2 pushed up 3 % and 4 %/h, which meets 100 % within the horizon.
        var question = new ProjectionQuestion(Horizon, Step)
        {
            Adjustments = [new VitalAdjustment(VitalSign.HeartRate, 5, 10), new VitalAdjustment(VitalSign.OxygenSaturation, 3, 4)],
        };
        var projection = TwinProjection.Project(twin.Snapshot(), question, TwinSettings.Default);

        var heartRate = projection.Vitals.Single(v => v.Sign == VitalSign.HeartRate);
        Assert.True(heartRate.HasInterval);
        var widths = heartRate.Points.Select(p => p.Upper - p.Lower).ToList();
        Assert.Equal(0, widths[0], 9);
        Assert.All(widths.Zip(widths.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"{pair.First} then {pair.Second}"));
        var spo2 = projection.Vitals.Single(v => v.Sign == VitalSign.OxygenSaturation).Points;
        Assert.All(spo2, p => Assert.True(p.Lower >= 0 && p.Upper <= 100 && p.Value <= 100, $"{p.Lower} {p.Value} {p.Upper}"));
        Assert.Equal(100, spo2[^1].Value);
        Assert.Equal(100, spo2[^1].Upper);
        Assert.All(projection.News2, n => Assert.True(n.AtLeast <= n.News2.Total && n.News2.Total <= n.AtMost, $"{n.AtLeast} {n.News2.Total} {n.AtMost}"));
        Assert.Contains(projection.News2, n => n.AtLeast < n.AtMost);
    }

    [Fact]
    public void First_news2_5_and_7_are_the_first_steps_at_which_the_projected_total_reaches_them()
    {
        // Held still, NEWS2 0; the adjustments cross bands half-way between steps, away from rounding.
        var twin = Twin("patient-steps", heartRate: _ => 81, respiration: _ => 16.2, spo2: _ => 97.9);
        var question = new ProjectionQuestion(Horizon, Step)
        {
            Adjustments =
            [
                new VitalAdjustment(VitalSign.HeartRate, 0, 30),         // > 90 at 18 min, > 110 at 58, > 130 at 98
                new VitalAdjustment(VitalSign.RespiratoryRate, 0, 6),    // > 20 at 38 min, > 24 at 78
                new VitalAdjustment(VitalSign.OxygenSaturation, 0, -3),  // < 95 at 58 min, < 93 at 98
            ],
        };

        var projection = TwinProjection.Project(twin.Snapshot(), question, TwinSettings.Default);

        int TotalAt(int minutes) => projection.News2.Single(n => n.At == projection.From.AddMinutes(minutes)).News2.Total;
        Assert.Equal(0, TotalAt(0));
        Assert.Equal(3, TotalAt(55));
        Assert.Equal(5, TotalAt(60));
        Assert.Equal(6, TotalAt(95));
        Assert.Equal(8, TotalAt(100));
        Assert.Equal(projection.From.AddMinutes(60), projection.FirstNews2Of5At);
        Assert.Equal(projection.From.AddMinutes(100), projection.FirstNews2Of7At);
        Assert.Equal(News2Risk.High, projection.News2[^1].Risk);
    }

    [Fact]
    public void A_vital_without_a_trend_holds_its_value_and_a_horizon_off_the_step_grid_is_the_last_point()
    {
        var twin = Twin("patient-cuff", heartRate: _ => 80, respiration: _ => 16, spo2: _ => 97);
        twin.Apply(_devices.Reading(VitalSign.SystolicBloodPressure, 124, Minutes * 60));

        var projection = TwinProjection.Project(twin.Snapshot(), new ProjectionQuestion(TimeSpan.FromMinutes(62), TimeSpan.FromMinutes(15)), TwinSettings.Default);

        var pressure = projection.Vitals.Single(v => v.Sign == VitalSign.SystolicBloodPressure);
        Assert.False(pressure.HasInterval);
        Assert.All(pressure.Points, p => Assert.Equal((124.0, 124.0, 124.0), (p.Value, p.Lower, p.Upper)));
        Assert.Equal([0, 15, 30, 45, 60, 62], pressure.Points.Select(p => (int)(p.At - projection.From).TotalMinutes));
        Assert.Equal(pressure.Points.Select(p => p.At), projection.News2.Select(n => n.At));
    }

    [Fact]
    public void A_personal_scale_two_setting_in_force_scores_the_projected_saturation_on_scale_two()
    {
        // SpO2 90 % scores 3 on scale 1 and 0 on scale 2, where 88-92 % is the target.
        var twin = Twin("patient-copd", heartRate: _ => 80, respiration: _ => 16, spo2: _ => 90);
        var question = new ProjectionQuestion(TimeSpan.FromHours(1), Step);
        var onScale1 = TwinProjection.Project(twin.Snapshot(), question, TwinSettings.Default);

        var provenance = new Clinical.Settings.SettingProvenance("COPD, target 88-92 %", "dr-ito", Readings.Start, Readings.Start.AddDays(1));
        twin.SetAlarmSettings(new Clinical.Settings.AlarmSettings([], SpO2Scale2: provenance));
        var onScale2 = TwinProjection.Project(twin.Snapshot(), question, TwinSettings.Default);

        Assert.All(onScale1.News2.Zip(onScale2.News2), pair => Assert.Equal(pair.First.News2.Total - 3, pair.Second.News2.Total));
    }

    [Fact]
    public void Repeated_or_non_finite_adjustments_are_refused()
    {
        var snapshot = Twin("patient-refused", heartRate: _ => 80, respiration: _ => 16, spo2: _ => 97).Snapshot();
        var question = new ProjectionQuestion(Horizon, Step);

        Assert.Throws<ArgumentException>(() => TwinProjection.Project(snapshot, question with { Adjustments = [new(VitalSign.HeartRate, 1, 0), new(VitalSign.HeartRate, 2, 0)] }, TwinSettings.Default));
        Assert.Throws<ArgumentException>(() => TwinProjection.Project(snapshot, question with { Adjustments = [new(VitalSign.HeartRate, double.NaN, 0)] }, TwinSettings.Default));
        Assert.Throws<ArgumentException>(() => TwinProjection.Project(new PatientTwin("patient-empty").Snapshot(), question, TwinSettings.Default));
    }

    /// <summary>Heart rate, breathing and SpO2 every second for <see cref="Minutes"/> minutes, and a temperature.</summary>
    private PatientTwin Twin(string patientId, Func<int, double> heartRate, Func<int, double> respiration, Func<int, double> spo2)
    {
        var twin = new PatientTwin(patientId);
        twin.Apply(_devices.Reading(VitalSign.BodyTemperature, 37, 0, device: "thermometer"));
        for (int second = 0; second < Minutes * 60; second++)
        {
            twin.Apply(_devices.Reading(VitalSign.HeartRate, heartRate(second), second));
            twin.Apply(_devices.Reading(VitalSign.RespiratoryRate, respiration(second), second));
            twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, spo2(second), second));
        }

        twin.Apply(_devices.Reading(VitalSign.BodyTemperature, 37, Minutes * 60, device: "thermometer"));
        return twin;
    }
}
