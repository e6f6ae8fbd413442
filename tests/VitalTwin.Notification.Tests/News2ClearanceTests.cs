using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>When the condition behind a NEWS2 alert counts as cleared, so the alert can resolve itself.</summary>
public class News2ClearanceTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly AlertKey Medium = new(AlertCondition.News2Medium);
    private static readonly AlertKey High = new(AlertCondition.News2High);
    private static readonly AlertKey LowOxygen = new(AlertCondition.News2SingleParameter, VitalSign.OxygenSaturation, AlertDirection.Down);

    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { ClearAfter = TimeSpan.FromMinutes(5) }, VitalCatalogue.Default);

    [Fact]
    public void Medium_risk_clears_only_after_staying_below_five_for_the_clear_time()
    {
        Observe(Vitals.Medium5, 0);

        Assert.Empty(Observe(Vitals.Low4, 1).Cleared);
        Assert.Empty(Advance(5.9).Cleared);
        var clearance = Assert.Single(Advance(6).Cleared);

        Assert.Equal(new AlertClearance(Patient, Medium, At(6)), clearance);
    }

    [Fact]
    public void Returning_to_medium_before_the_clear_time_restarts_it()
    {
        Observe(Vitals.Medium5, 0);
        Observe(Vitals.Low4, 1);
        Observe(Vitals.Medium5, 4);
        Observe(Vitals.Low4, 5);

        Assert.Empty(Advance(9.9).Cleared);
        Assert.Equal([Medium], Advance(10).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void A_cleared_condition_clears_once()
    {
        Observe(Vitals.Medium5, 0);
        Observe(Vitals.Low4, 1);
        Assert.Single(Advance(6).Cleared);

        Assert.True(Advance(7).IsEmpty);
        Assert.Empty(Observe(Vitals.Normal, 60).Cleared);
    }

    [Fact]
    public void The_clear_time_runs_on_reading_time_so_a_fast_replay_clears_at_the_same_reading()
    {
        // Hours of readings processed within milliseconds: only their ObservedAt can decide.
        var replayed = Start.AddYears(-3);
        _policy.OnNews2Changed(Patient, Vitals.Medium5.Score(), Vitals.Medium5.Values(), replayed);
        _policy.OnNews2Changed(Patient, Vitals.Low4.Score(), Vitals.Low4.Values(), replayed.AddMinutes(1));

        var early = _policy.OnNews2Changed(Patient, Vitals.Normal.Score(), Vitals.Normal.Values(), replayed.AddMinutes(5.9));
        var late = _policy.OnNews2Changed(Patient, Vitals.Low4.Score(), Vitals.Low4.Values(), replayed.AddMinutes(6));

        Assert.Empty(early.Cleared);
        Assert.Equal(replayed.AddMinutes(6), Assert.Single(late.Cleared).ClearedAt);
    }

    [Fact]
    public void A_reading_after_the_clear_time_first_clears_the_old_alert_then_raises_a_new_one()
    {
        Observe(Vitals.Medium5, 0);
        Observe(Vitals.Low4, 1);

        var outcome = Observe(Vitals.Medium6, 10);

        Assert.Equal([Medium], outcome.Cleared.Select(c => c.Key));
        Assert.Equal([Medium], outcome.Raised.Select(d => d.Key));
    }

    [Fact]
    public void Falling_from_high_to_normal_clears_the_one_alert_left_open()
    {
        Observe(Vitals.Medium5, 0);
        Observe(Vitals.High7, 1);
        Observe(Vitals.Normal, 2);

        Assert.Empty(Advance(6.9).Cleared);
        Assert.Equal([High], Advance(7).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void Falling_from_high_to_medium_steps_the_alert_down_in_place_of_the_high_one()
    {
        Observe(Vitals.Medium5, 0);
        Observe(Vitals.High7, 1);
        Observe(Vitals.Medium6, 2);

        var outcome = Advance(7);

        Assert.Empty(outcome.Cleared);
        Assert.Equal([High], Assert.Single(outcome.Raised).Supersedes);
    }

    [Fact]
    public void A_high_entered_directly_leaves_no_medium_alert_to_clear()
    {
        Assert.Equal([High], Observe(Vitals.High7, 0).Raised.Select(d => d.Key));
        Observe(Vitals.Normal, 1);

        Assert.Equal([High], Advance(6).Cleared.Select(c => c.Key));
        Assert.True(Advance(60).IsEmpty);
    }

    [Fact]
    public void A_single_parameter_alert_clears_after_the_clear_time()
    {
        Assert.Equal([LowOxygen], Observe(Vitals.SingleThree, 0).Raised.Select(d => d.Key));
        Observe(Vitals.Normal, 1);

        Assert.Empty(Advance(5.9).Cleared);
        Assert.Equal(new AlertClearance(Patient, LowOxygen, At(6)), Assert.Single(Advance(6).Cleared));
    }

    [Fact]
    public void A_single_parameter_alert_folded_into_a_medium_one_leaves_nothing_of_its_own_to_clear()
    {
        Observe(Vitals.SingleThree, 0);
        Observe(Vitals.MediumWithSingleThree, 1);
        Observe(Vitals.Medium5, 2);

        // The medium alert folded the single-parameter one in when it was raised: nothing of it is left to clear.
        Assert.True(Advance(7).IsEmpty);
        Assert.True(Advance(60).IsEmpty);
    }

    [Fact]
    public void Advancing_time_clears_every_patient_whose_clear_time_ran_out()
    {
        Observe(Vitals.Medium5, 0, "patient-a");
        Observe(Vitals.Medium5, 0, "patient-b");
        Observe(Vitals.Low4, 1, "patient-a");
        Observe(Vitals.Low4, 3, "patient-b");

        Assert.Equal(["patient-a"], Advance(6).Cleared.Select(c => c.PatientId));
        Assert.Equal(["patient-b"], Advance(8).Cleared.Select(c => c.PatientId));
    }

    [Fact]
    public void Advancing_with_nothing_to_clear_changes_nothing()
    {
        Observe(Vitals.Medium5, 0);

        Assert.Same(AlertOutcome.None, Advance(60));
    }

    private AlertOutcome Observe(Vitals vitals, double minute, string patientId = Patient) =>
        _policy.OnNews2Changed(patientId, vitals.Score(), vitals.Values(), At(minute));

    private AlertOutcome Advance(double minute) => _policy.Advance(At(minute));

    private static DateTimeOffset At(double minute) => Start.AddMinutes(minute);
}
