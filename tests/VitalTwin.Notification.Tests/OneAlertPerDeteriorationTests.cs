using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>One deterioration, one alert that escalates: superseding, folding, and what raises no alert by default.</summary>
public class OneAlertPerDeteriorationTests
{
    private const string Patient = "patient-1";
    private readonly AlertPolicy _policy = new(new AlertPolicyOptions(), VitalCatalogue.Default);
    private DateTimeOffset _now = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Medium_rising_to_high_raises_a_high_alert_that_supersedes_the_medium_one()
    {
        Assert.Equal(AlertCondition.News2Medium, Assert.Single(Observe(Vitals.Medium5).Raised).Condition);

        var high = Assert.Single(Observe(Vitals.High7).Raised);

        Assert.Equal(AlertCondition.News2High, high.Condition);
        Assert.Equal(AlertPriority.High, high.Priority);
        Assert.Equal([new AlertKey(AlertCondition.News2Medium)], high.Supersedes);
    }

    [Fact]
    public void High_settling_at_medium_steps_the_alert_down_in_place_of_the_high_one()
    {
        Observe(Vitals.Medium5);
        Observe(Vitals.High7);
        Observe(Vitals.Medium5);

        var stepped = _policy.Advance(_now.AddMinutes(16));

        var medium = Assert.Single(stepped.Raised);
        Assert.Equal(AlertCondition.News2Medium, medium.Condition);
        Assert.Equal([new AlertKey(AlertCondition.News2High)], medium.Supersedes);
        Assert.Empty(stepped.Cleared);
    }

    [Fact]
    public void A_single_parameter_scoring_three_while_a_NEWS2_alert_is_open_is_folded_into_it()
    {
        Observe(Vitals.Medium5);

        var outcome = Observe(Vitals.MediumWithSingleThree);

        Assert.Empty(outcome.Raised);
    }

    [Fact]
    public void A_parameter_reaching_three_that_the_open_NEWS2_alert_did_not_name_is_a_new_problem_and_alerts()
    {
        // Breathing 22, pulse 115, temperature 39.5 and systolic 105: NEWS2 7 with SpO2 scoring nothing.
        var septic = new Vitals(RespirationRate: 22, OxygenSaturation: 98, SystolicBloodPressure: 105, Pulse: 115, Temperature: 39.5);
        Assert.Equal(AlertCondition.News2High, Assert.Single(Observe(septic).Raised).Condition);

        var desaturation = Assert.Single(Observe(septic with { OxygenSaturation = 90 }).Raised);

        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter, VitalSign.OxygenSaturation, AlertDirection.Down), desaturation.Key);
    }

    [Fact]
    public void A_NEWS2_alert_folds_in_the_single_parameter_alerts_already_open()
    {
        var single = Assert.Single(Observe(Vitals.SingleThree).Raised);
        Assert.Equal(AlertCondition.News2SingleParameter, single.Condition);

        var medium = Assert.Single(Observe(Vitals.MediumWithSingleThree).Raised);

        Assert.Equal(AlertCondition.News2Medium, medium.Condition);
        Assert.Equal([single.Key], medium.Supersedes);
    }

    [Fact]
    public void Spikes_and_lasting_changes_show_on_the_twin_but_raise_no_alert_by_default()
    {
        var spike = Anomaly(lasting: false, value: 150);
        var change = Anomaly(lasting: true, value: 150);

        Assert.True(_policy.OnAnomaly(spike).IsEmpty);
        Assert.True(_policy.OnAnomaly(change).IsEmpty);
        Assert.Equal(1, _policy.SpikesNotAlerted);
        Assert.Equal(1, _policy.ChangesWithinNormal);

        var opted = new AlertPolicy(new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true }, VitalCatalogue.Default);
        Assert.Equal(AlertCondition.VitalSpike, Assert.Single(opted.OnAnomaly(spike).Raised).Condition);
    }

    [Fact]
    public void A_drift_from_the_patients_usual_raises_one_low_priority_trending_worse_alert_that_NEWS2_later_supersedes()
    {
        var drift = Anomaly(lasting: false, value: 98) with
        {
            Deterioration = true,
            Explanation = "Heart rate +18 /min and respiratory rate +5 /min from this patient's usual over 25 min (inflammatory pattern)",
        };

        var trend = Assert.Single(_policy.OnAnomaly(drift).Raised);
        Assert.Empty(_policy.OnAnomaly(drift with { ObservedAt = drift.ObservedAt.AddMinutes(5) }).Raised);

        Assert.Equal(AlertCondition.TrendingWorse, trend.Condition);
        Assert.Equal(AlertPriority.Low, trend.Priority);
        Assert.Contains("+18 /min", trend.Summary, StringComparison.Ordinal);
        var medium = Assert.Single(Observe(Vitals.Medium5).Raised);
        Assert.Equal([new AlertKey(AlertCondition.TrendingWorse)], medium.Supersedes);
    }

    [Fact]
    public void A_drift_announced_while_a_NEWS2_alert_is_open_raises_nothing()
    {
        Observe(Vitals.Medium5);

        Assert.Empty(_policy.OnAnomaly(Anomaly(lasting: false, value: 98) with { Deterioration = true }).Raised);
    }

    private SpikeObservation Anomaly(bool lasting, double value) =>
        new(Patient, VitalSign.HeartRate, value, "/min", 72, 0.0001, Upward: true, _now, LastingChange: lasting, PersonalBaseline: 70);

    private AlertOutcome Observe(Vitals vitals) =>
        _policy.OnNews2Changed(Patient, vitals.Score(), vitals.Values(), _now = _now.AddSeconds(1));
}
