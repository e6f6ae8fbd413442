using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>Several vitals moving together raise one combined alert instead of one alert each.</summary>
public class CombinedAlertTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly AlertKey Combined = new(AlertCondition.VitalsCombined);
    private static readonly AlertKey FastHeart = new(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Up);

    private readonly AlertPolicy _policy = new(
        new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true, SpikeQuietPeriod = TimeSpan.FromMinutes(15), CombineWindow = TimeSpan.FromMinutes(2) },
        VitalCatalogue.Default);

    [Fact]
    public void Anomalies_on_two_vitals_within_the_window_raise_one_combined_alert()
    {
        Assert.Equal([FastHeart], Anomaly(HeartRate(0)).Raised.Select(d => d.Key));

        var alert = Assert.Single(Anomaly(Breathing(1)).Raised);

        Assert.Equal(Combined, alert.Key);
        Assert.Equal(AlertCondition.VitalsCombined, alert.Condition);
        Assert.Equal(Patient, alert.PatientId);
        Assert.Equal(At(1), alert.ObservedAt);
    }

    [Fact]
    public void A_combined_alert_asks_for_a_prompt_response_even_when_each_change_alone_would_not()
    {
        var mild = HeartRate(0) with { Value = 104 };
        Assert.Equal(AlertPriority.Low, Assert.Single(Anomaly(mild).Raised).Priority);

        var alert = Assert.Single(Anomaly(Breathing(1) with { Value = 19 }).Raised);

        Assert.Equal(AlertPriority.Medium, alert.Priority);
    }

    [Fact]
    public void A_combined_alert_names_both_vitals_and_gives_both_reasons()
    {
        Anomaly(HeartRate(0));

        var alert = Assert.Single(Anomaly(Breathing(1)).Raised);

        Assert.Equal("2 vitals changed within 2 min: heart rate up, respiratory rate up", alert.Summary);
        Assert.Equal([VitalSign.HeartRate, VitalSign.RespiratoryRate], alert.Reasons.Select(r => r.Sign));
        Assert.Equal("Respiratory rate 30 /min, up from a recent mean of 16 (p = 0.001)", alert.Reasons[1].Text);
    }

    [Fact]
    public void A_combined_alert_supersedes_the_earlier_single_vital_alert()
    {
        Anomaly(HeartRate(0));

        var alert = Assert.Single(Anomaly(Breathing(1)).Raised);

        Assert.Equal([FastHeart], alert.Supersedes);
    }

    [Fact]
    public void Anomalies_exactly_the_window_apart_combine()
    {
        Anomaly(HeartRate(0));

        Assert.Equal([Combined], Anomaly(Breathing(2)).Raised.Select(d => d.Key));
    }

    [Fact]
    public void Anomalies_further_apart_than_the_window_alert_separately()
    {
        Anomaly(HeartRate(0));

        var alert = Assert.Single(Anomaly(Breathing(2.1)).Raised);

        Assert.Equal(new AlertKey(AlertCondition.VitalSpike, VitalSign.RespiratoryRate, AlertDirection.Up), alert.Key);
        Assert.Empty(alert.Supersedes);
    }

    [Fact]
    public void Two_directions_of_one_vital_are_not_a_combination()
    {
        Anomaly(HeartRate(0));

        var alert = Assert.Single(Anomaly(HeartRate(1, upward: false)).Raised);

        Assert.Equal(AlertCondition.VitalSpike, alert.Condition);
    }

    [Fact]
    public void A_combination_counts_vitals_not_directions()
    {
        Anomaly(HeartRate(0));
        Anomaly(HeartRate(0.5, upward: false));

        var alert = Assert.Single(Anomaly(Breathing(1)).Raised);

        Assert.StartsWith("2 vitals changed within 2 min: ", alert.Summary, StringComparison.Ordinal);
        Assert.Equal(3, alert.Reasons.Count);
        Assert.Equal(2, alert.Supersedes.Count);
    }

    [Fact]
    public void A_third_vital_while_the_combined_alert_is_open_raises_nothing()
    {
        Anomaly(HeartRate(0));
        Anomaly(Breathing(1));

        Assert.True(Anomaly(Saturation(1.5)).IsEmpty);
        Assert.True(Anomaly(Pressure(10)).IsEmpty);
    }

    [Fact]
    public void The_combined_alert_clears_once_every_member_was_quiet_for_its_quiet_period()
    {
        Anomaly(HeartRate(0));
        Anomaly(Breathing(1));

        Assert.True(Advance(15).IsEmpty);
        Assert.Equal(new AlertClearance(Patient, Combined, At(16)), Assert.Single(Advance(16).Cleared));
        Assert.True(Advance(60).IsEmpty);
    }

    [Fact]
    public void A_vital_joining_the_combined_alert_keeps_it_open_for_its_own_quiet_period()
    {
        Anomaly(HeartRate(0));
        Anomaly(Breathing(1));
        Anomaly(Saturation(5));

        Assert.True(Advance(19.9).IsEmpty);
        Assert.Equal([Combined], Advance(20).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void After_the_combined_alert_cleared_the_vitals_alert_on_their_own_again()
    {
        Anomaly(HeartRate(0));
        Anomaly(Breathing(1));
        Advance(16);

        Assert.Equal([FastHeart], Anomaly(HeartRate(17)).Raised.Select(d => d.Key));
    }

    [Fact]
    public void A_vital_already_in_the_combined_alert_stays_de_duplicated()
    {
        Anomaly(HeartRate(0));
        Anomaly(Breathing(1));

        Assert.True(Anomaly(HeartRate(5)).IsEmpty);
    }

    [Fact]
    public void Anomalies_of_different_patients_never_combine()
    {
        Anomaly(HeartRate(0));

        var alert = Assert.Single(Anomaly(Breathing(1) with { PatientId = "patient-2" }).Raised);

        Assert.Equal(AlertCondition.VitalSpike, alert.Condition);
        Assert.Equal("patient-2", alert.PatientId);
    }

    private AlertOutcome Anomaly(SpikeObservation anomaly) => _policy.OnAnomaly(anomaly);

    private AlertOutcome Advance(double minute) => _policy.Advance(At(minute));

    private static DateTimeOffset At(double minute) => Start.AddMinutes(minute);

    private static SpikeObservation HeartRate(double minute, bool upward = true) =>
        new(Patient, VitalSign.HeartRate, upward ? 140 : 40, "/min", 75, 0.001, upward, At(minute));

    private static SpikeObservation Breathing(double minute) =>
        new(Patient, VitalSign.RespiratoryRate, 30, "/min", 16, 0.001, Upward: true, At(minute));

    private static SpikeObservation Saturation(double minute) =>
        new(Patient, VitalSign.OxygenSaturation, 86, "%", 97, 0.001, Upward: false, At(minute));

    private static SpikeObservation Pressure(double minute) =>
        new(Patient, VitalSign.SystolicBloodPressure, 85, "mm[Hg]", 125, 0.001, Upward: false, At(minute));
}
