using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>Detector anomalies: one alert per key within the quiet period, its clearance, and what never alerts.</summary>
public class AnomalyLifecycleTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(15);
    private static readonly AlertKey FastHeart = new(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Up);

    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true, SpikeQuietPeriod = Quiet }, VitalCatalogue.Default);

    [Fact]
    public void Anomalies_are_de_duplicated_per_condition_vital_and_direction()
    {
        var raised = new[]
        {
            HeartRate(upward: true, minute: 0),
            HeartRate(upward: true, minute: 1),
            HeartRate(upward: false, minute: 2),
            HeartRate(upward: true, minute: 3) with { LastingChange = true },
            HeartRate(upward: true, minute: 4) with { LastingChange = true },
            HeartRate(upward: false, minute: 5),
        }.SelectMany(a => _policy.OnAnomaly(a).Raised).ToList();

        Assert.Equal(
            [
                FastHeart,
                new AlertKey(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Down),
                new AlertKey(AlertCondition.VitalChange, VitalSign.HeartRate, AlertDirection.Up),
            ],
            raised.Select(d => d.Key));
    }

    [Fact]
    public void A_spike_alert_clears_when_its_quiet_period_ran_out()
    {
        _policy.OnAnomaly(HeartRate(upward: true, minute: 0));

        Assert.True(Advance(14.9).IsEmpty);
        Assert.Equal(new AlertClearance(Patient, FastHeart, At(15)), Assert.Single(Advance(15).Cleared));
        Assert.True(Advance(60).IsEmpty);
    }

    [Fact]
    public void Spikes_within_the_quiet_period_do_not_postpone_the_clearance()
    {
        _policy.OnAnomaly(HeartRate(upward: true, minute: 0));
        _policy.OnAnomaly(HeartRate(upward: true, minute: 10));

        Assert.Equal([FastHeart], Advance(15).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void A_spike_after_the_quiet_period_clears_the_old_alert_and_raises_a_new_one()
    {
        _policy.OnAnomaly(HeartRate(upward: true, minute: 0));

        var outcome = _policy.OnAnomaly(HeartRate(upward: true, minute: 16));

        Assert.Equal([FastHeart], outcome.Cleared.Select(c => c.Key));
        Assert.Equal([FastHeart], outcome.Raised.Select(d => d.Key));
        Assert.Equal(At(16), outcome.Raised[0].ObservedAt);
    }

    [Fact]
    public void A_lasting_change_clears_after_the_quiet_period_like_a_spike()
    {
        _policy.OnAnomaly(HeartRate(upward: true, minute: 0) with { LastingChange = true });

        Assert.Equal(
            [new AlertKey(AlertCondition.VitalChange, VitalSign.HeartRate, AlertDirection.Up)],
            Advance(15).Cleared.Select(c => c.Key));
    }

    [Fact]
    public void An_anomaly_back_towards_the_personal_baseline_raises_nothing_and_is_counted()
    {
        // Usually 72; the recent mean is 120 and the new value 90: the heart rate is recovering.
        var recovering = HeartRate(upward: false, minute: 0) with { Value = 90, BaselineMean = 120, PersonalBaseline = 72 };

        Assert.True(_policy.OnAnomaly(recovering).IsEmpty);
        Assert.Equal(1, _policy.SuppressedTowardsBaseline);
    }

    [Fact]
    public void An_anomaly_away_from_the_personal_baseline_alerts()
    {
        var away = HeartRate(upward: true, minute: 0) with { Value = 140, BaselineMean = 80, PersonalBaseline = 72 };

        Assert.Single(_policy.OnAnomaly(away).Raised);
        Assert.Equal(0, _policy.SuppressedTowardsBaseline);
    }

    [Fact]
    public void An_anomaly_past_the_personal_baseline_to_as_far_on_the_other_side_alerts()
    {
        var overshoot = HeartRate(upward: false, minute: 0) with { Value = 62, BaselineMean = 82, PersonalBaseline = 72 };

        Assert.Single(_policy.OnAnomaly(overshoot).Raised);
    }

    [Fact]
    public void Without_a_learnt_personal_baseline_an_anomaly_towards_normal_alerts()
    {
        var recovering = HeartRate(upward: false, minute: 0) with { Value = 90, BaselineMean = 120 };

        var alert = Assert.Single(_policy.OnAnomaly(recovering).Raised);

        Assert.Null(Assert.Single(alert.Reasons).Baseline);
        Assert.Equal(0, _policy.SuppressedTowardsBaseline);
    }

    [Fact]
    public void A_suppressed_anomaly_starts_no_quiet_period()
    {
        _policy.OnAnomaly(HeartRate(upward: false, minute: 0) with { Value = 90, BaselineMean = 120, PersonalBaseline = 72 });

        var falling = HeartRate(upward: false, minute: 1) with { Value = 40, BaselineMean = 80, PersonalBaseline = 72 };

        Assert.Single(_policy.OnAnomaly(falling).Raised);
    }

    [Fact]
    public void An_anomaly_reason_carries_the_personal_baseline_and_the_p_value()
    {
        var anomaly = HeartRate(upward: true, minute: 0) with { Value = 140, BaselineMean = 80, PValue = 0.0004, PersonalBaseline = 72 };

        var reason = Assert.Single(Assert.Single(_policy.OnAnomaly(anomaly).Raised).Reasons);

        Assert.Equal(72, reason.Baseline);
        Assert.Equal(0.0004, reason.PValue);
        Assert.Equal("Heart rate 140 /min, up from a recent mean of 80 (p = 0.0004)", reason.Text);
    }

    [Fact]
    public void A_very_small_p_value_is_written_as_a_bound()
    {
        var anomaly = HeartRate(upward: true, minute: 0) with { PValue = 0.00001 };

        var reason = Assert.Single(Assert.Single(_policy.OnAnomaly(anomaly).Raised).Reasons);

        Assert.EndsWith("(p < 0.0001)", reason.Text, StringComparison.Ordinal);
        Assert.Equal(0.00001, reason.PValue);
    }

    private AlertOutcome Advance(double minute) => _policy.Advance(At(minute));

    private static DateTimeOffset At(double minute) => Start.AddMinutes(minute);

    private static SpikeObservation HeartRate(bool upward, double minute) =>
        new(Patient, VitalSign.HeartRate, upward ? 140 : 40, "/min", 75, 0.001, upward, At(minute));
}
