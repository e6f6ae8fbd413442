using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>After a restart the policy learns which alerts are open, so it raises none of them twice.</summary>
public class RestoreTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly AlertKey Medium = new(AlertCondition.News2Medium);
    private static readonly AlertKey High = new(AlertCondition.News2High);
    private static readonly AlertKey Combined = new(AlertCondition.VitalsCombined);
    private static readonly AlertKey FastHeart = new(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Up);

    private readonly AlertPolicy _policy = new(
        new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true, ClearAfter = TimeSpan.FromMinutes(5), SpikeQuietPeriod = TimeSpan.FromMinutes(15) },
        VitalCatalogue.Default);

    [Fact]
    public void A_restored_medium_alert_is_not_raised_again()
    {
        _policy.Restore(Patient, Medium, At(0));

        Assert.True(Observe(Vitals.Medium5, 1).IsEmpty);
    }

    [Fact]
    public void A_restored_medium_alert_clears_after_the_clear_time()
    {
        _policy.Restore(Patient, Medium, At(0));
        Observe(Vitals.Low4, 1);

        Assert.Equal([Medium], Advance(6).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void A_restored_high_alert_covers_medium_as_a_raised_one_does()
    {
        _policy.Restore(Patient, High, At(0));

        Assert.True(Observe(Vitals.High7, 1).IsEmpty);
        Assert.True(Observe(Vitals.Normal, 2).IsEmpty);
        Assert.Equal([High], Advance(7).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void Restoring_both_news2_alerts_clears_both()
    {
        _policy.Restore(Patient, High, At(0));
        _policy.Restore(Patient, Medium, At(0));
        Observe(Vitals.Normal, 1);

        Assert.Equal([High, Medium], Advance(6).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void A_restored_single_parameter_alert_is_not_raised_again()
    {
        _policy.Restore(Patient, new AlertKey(AlertCondition.News2SingleParameter, VitalSign.OxygenSaturation, AlertDirection.Down), At(0));

        Assert.True(Observe(Vitals.SingleThree, 1).IsEmpty);
    }

    [Fact]
    public void A_restored_spike_is_not_raised_again_within_its_quiet_period()
    {
        _policy.Restore(Patient, FastHeart, At(0));

        Assert.True(_policy.OnAnomaly(FastHeartRate(10)).IsEmpty);
    }

    [Fact]
    public void A_restored_spike_clears_once_its_quiet_period_from_when_it_was_raised_ran_out()
    {
        _policy.Restore(Patient, FastHeart, At(0));

        Assert.True(Advance(14.9).IsEmpty);
        Assert.Equal(new AlertClearance(Patient, FastHeart, At(15)), Assert.Single(Advance(15).Cleared));
    }

    [Fact]
    public void A_spike_restored_from_long_ago_clears_at_the_next_moment()
    {
        _policy.Restore(Patient, FastHeart, At(-60));

        var outcome = _policy.OnAnomaly(FastHeartRate(0));

        Assert.Equal([FastHeart], outcome.Cleared.Select(c => c.Key));
        Assert.Equal([FastHeart], outcome.Raised.Select(d => d.Key));
    }

    [Fact]
    public void A_restored_combined_alert_takes_in_further_vitals_and_clears_after_its_quiet_period()
    {
        _policy.Restore(Patient, Combined, At(0));

        Assert.True(_policy.OnAnomaly(FastHeartRate(1)).IsEmpty);
        Assert.True(Advance(15.9).IsEmpty);
        Assert.Equal([Combined], Advance(16).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void A_restored_stale_alert_is_not_raised_again_and_clears_when_the_vital_arrives()
    {
        var key = new AlertKey(AlertCondition.VitalStale, VitalSign.HeartRate);
        _policy.Restore(Patient, key, At(0));

        Assert.True(_policy.OnVitalStale(Patient, VitalSign.HeartRate, stale: true, At(-12), At(1)).IsEmpty);
        Assert.Equal([key], _policy.OnVitalStale(Patient, VitalSign.HeartRate, stale: false, At(2), At(2)).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void Forgetting_a_patient_lets_the_condition_raise_again()
    {
        Assert.Single(Observe(Vitals.Medium5, 0).Raised);

        _policy.Forget([Patient]);

        Assert.Empty(_policy.Patients);
        Assert.Single(Observe(Vitals.Medium5, 1).Raised);
    }

    [Fact]
    public void Forgetting_a_patient_drops_its_pending_clearances()
    {
        _policy.OnAnomaly(FastHeartRate(0));

        _policy.Forget([Patient]);

        Assert.True(Advance(60).IsEmpty);
    }

    [Fact]
    public void Forgetting_leaves_the_other_patients_alone()
    {
        Observe(Vitals.Medium5, 0, "patient-a");
        Observe(Vitals.Medium5, 0, "patient-b");

        _policy.Forget(["patient-a"]);

        Assert.Equal(["patient-b"], _policy.Patients);
        Assert.True(Observe(Vitals.Medium5, 1, "patient-b").IsEmpty);
    }

    private AlertOutcome Observe(Vitals vitals, double minute, string patientId = Patient) =>
        _policy.OnNews2Changed(patientId, vitals.Score(), vitals.Values(), At(minute));

    private AlertOutcome Advance(double minute) => _policy.Advance(At(minute));

    private static DateTimeOffset At(double minute) => Start.AddMinutes(minute);

    private static SpikeObservation FastHeartRate(double minute) =>
        new(Patient, VitalSign.HeartRate, 140, "/min", 75, 0.001, Upward: true, At(minute));
}
