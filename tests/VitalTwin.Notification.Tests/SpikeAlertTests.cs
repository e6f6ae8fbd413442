using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

public class SpikeAlertTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(15);

    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true, SpikeQuietPeriod = Quiet }, VitalCatalogue.Default);

    [Fact]
    public void The_default_quiet_period_is_fifteen_minutes()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), new AlertPolicyOptions().SpikeQuietPeriod);
    }

    [Fact]
    public void A_first_spike_to_a_value_news2_scores_low_raises_a_low_priority_alert()
    {
        var alert = Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero) with { Value = 104 });

        Assert.NotNull(alert);
        Assert.Equal(Patient, alert.PatientId);
        Assert.Equal(AlertCondition.VitalSpike, alert.Condition);
        Assert.Equal(AlertPriority.Low, alert.Priority);
        Assert.Equal(new AlertKey(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Up), alert.Key);
    }

    [Fact]
    public void A_spike_to_a_value_news2_scores_two_or_more_asks_for_a_prompt_response()
    {
        var alert = Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero) with { Value = 135 });

        Assert.Equal(AlertPriority.Medium, alert!.Priority);
    }

    [Fact]
    public void An_upward_spike_says_rise_and_gives_value_baseline_and_direction()
    {
        var alert = Spike(new SpikeObservation(Patient, VitalSign.HeartRate, 142, "/min", 78.44, 0.0012, Upward: true, Start));

        Assert.NotNull(alert);
        Assert.Equal("Sudden rise in heart rate", alert.Summary);
        var reason = Assert.Single(alert.Reasons);
        Assert.Equal("Heart rate 142 /min, up from a recent mean of 78.4 (p = 0.0012)", reason.Text);
        Assert.Equal(VitalSign.HeartRate, reason.Sign);
        Assert.Equal(142, reason.Value);
        Assert.Equal("/min", reason.Unit);
    }

    [Fact]
    public void A_downward_spike_says_fall_and_gives_value_baseline_and_direction()
    {
        var alert = Spike(new SpikeObservation(Patient, VitalSign.OxygenSaturation, 86, "%", 97.2, 0.0003, Upward: false, Start));

        Assert.NotNull(alert);
        Assert.Equal("Sudden fall in oxygen saturation", alert.Summary);
        var text = Assert.Single(alert.Reasons).Text;
        Assert.Contains("86 %", text, StringComparison.Ordinal);
        Assert.Contains("down from a recent mean of 97.2", text, StringComparison.Ordinal);
        Assert.StartsWith("Oxygen saturation", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_spike_the_same_way_within_the_quiet_period_raises_nothing()
    {
        Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero));

        Assert.Null(Spike(HeartRateSpike(upward: true, at: TimeSpan.FromMinutes(1))));
        Assert.Null(Spike(HeartRateSpike(upward: true, at: Quiet - TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void A_spike_the_other_way_within_the_quiet_period_alerts()
    {
        Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero));

        var alert = Spike(HeartRateSpike(upward: false, at: TimeSpan.FromMinutes(1)));

        Assert.NotNull(alert);
        Assert.Equal("Sudden fall in heart rate", alert.Summary);
    }

    [Fact]
    public void A_spike_of_another_vital_within_the_quiet_period_alerts()
    {
        Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero));

        var alert = Spike(new SpikeObservation(Patient, VitalSign.RespiratoryRate, 30, "/min", 16, 0.001, Upward: true, Start.AddMinutes(1)));

        Assert.NotNull(alert);
    }

    [Fact]
    public void A_spike_after_the_quiet_period_alerts_again()
    {
        Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero));

        Assert.NotNull(Spike(HeartRateSpike(upward: true, at: Quiet)));
        Assert.Null(Spike(HeartRateSpike(upward: true, at: Quiet + TimeSpan.FromMinutes(1))));
        Assert.NotNull(Spike(HeartRateSpike(upward: true, at: Quiet * 2 + TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public void Suppressed_spikes_do_not_extend_the_quiet_period()
    {
        Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero));
        Assert.Null(Spike(HeartRateSpike(upward: true, at: TimeSpan.FromMinutes(10))));

        Assert.NotNull(Spike(HeartRateSpike(upward: true, at: TimeSpan.FromMinutes(16))));
    }

    [Fact]
    public void Spikes_of_different_patients_are_independent()
    {
        Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero));

        var other = Spike(HeartRateSpike(upward: true, at: TimeSpan.FromMinutes(1)) with { PatientId = "patient-2" });

        Assert.NotNull(other);
        Assert.Equal("patient-2", other.PatientId);
    }

    [Fact]
    public void A_zero_quiet_period_alerts_on_every_spike()
    {
        var policy = new AlertPolicy(new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true, SpikeQuietPeriod = TimeSpan.Zero }, VitalCatalogue.Default);

        Assert.Single(policy.OnAnomaly(HeartRateSpike(upward: true, at: TimeSpan.Zero)).Raised);
        Assert.Single(policy.OnAnomaly(HeartRateSpike(upward: true, at: TimeSpan.Zero)).Raised);
    }

    [Fact]
    public void Spikes_and_news2_alerts_do_not_silence_each_other()
    {
        var medium = Vitals.Medium5;

        Assert.NotNull(Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero)));
        Assert.Single(_policy.OnNews2Changed(Patient, medium.Score(), medium.Values(), Start).Raised);
        Assert.NotNull(Spike(HeartRateSpike(upward: false, at: TimeSpan.FromMinutes(1))));
        Assert.Empty(_policy.OnNews2Changed(Patient, medium.Score(), medium.Values(), Start.AddMinutes(2)).Raised);
    }

    [Fact]
    public void A_lasting_change_raises_its_own_alert_with_the_detectors_explanation()
    {
        Assert.NotNull(Spike(HeartRateSpike(upward: true, at: TimeSpan.Zero)));
        var change = HeartRateSpike(upward: true, at: TimeSpan.FromMinutes(1)) with { LastingChange = true, Explanation = "Heart rate 112 /min, up from 80 over the last 60 readings" };

        var alert = Spike(change);

        Assert.NotNull(alert);
        Assert.Equal(AlertCondition.VitalChange, alert.Condition);
        Assert.Equal("Lasting rise in heart rate", alert.Summary);
        Assert.Equal(change.Explanation, Assert.Single(alert.Reasons).Text);
        Assert.Null(Spike(change with { ObservedAt = change.ObservedAt.AddMinutes(1) }));
    }

    [Fact]
    public void A_spike_alert_carries_the_patients_current_news2()
    {
        var medium = Vitals.Medium5;
        _policy.OnNews2Changed(Patient, medium.Score(), medium.Values(), Start);

        var alert = Spike(HeartRateSpike(upward: true, at: TimeSpan.FromMinutes(1)));

        Assert.Equal(5, alert!.News2Total);
    }

    private AlertDecision? Spike(SpikeObservation spike) => _policy.OnAnomaly(spike).Raised.SingleOrDefault();

    private static SpikeObservation HeartRateSpike(bool upward, TimeSpan at) =>
        new(Patient, VitalSign.HeartRate, upward ? 140 : 40, "/min", 75, 0.001, upward, Start + at);
}
