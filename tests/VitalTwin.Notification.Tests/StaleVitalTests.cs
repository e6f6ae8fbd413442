using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>A monitored vital that stopped arriving is a technical alert, cleared as soon as it arrives again.</summary>
public class StaleVitalTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly AlertKey StaleHeartRate = new(AlertCondition.VitalStale, VitalSign.HeartRate);

    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { ClearAfter = TimeSpan.FromMinutes(5) }, VitalCatalogue.Default);

    [Fact]
    public void A_vital_turning_stale_raises_a_low_priority_alert_saying_for_how_long()
    {
        var alert = Assert.Single(Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12).Raised);

        Assert.Equal(StaleHeartRate, alert.Key);
        Assert.Equal(AlertCondition.VitalStale, alert.Condition);
        Assert.Equal(AlertPriority.Low, alert.Priority);
        Assert.Equal(Patient, alert.PatientId);
        Assert.Equal(At(12), alert.ObservedAt);
        Assert.Equal("No heart rate received for 12 min", alert.Summary);
        var reason = Assert.Single(alert.Reasons);
        Assert.Equal("Heart rate last received 12 min ago; NEWS2 counts it as missing", reason.Text);
        Assert.Equal(VitalSign.HeartRate, reason.Sign);
    }

    [Fact]
    public void A_silence_under_a_minute_is_given_in_seconds()
    {
        var alert = Assert.Single(Stale(VitalSign.OxygenSaturation, lastMinute: 0, atMinute: 0.75).Raised);

        Assert.Equal("No oxygen saturation received for 45 s", alert.Summary);
    }

    [Fact]
    public void A_vital_still_stale_raises_nothing_more()
    {
        Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12);

        Assert.True(Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 30).IsEmpty);
    }

    [Fact]
    public void Each_stale_vital_raises_its_own_alert()
    {
        Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12);

        var alert = Assert.Single(Stale(VitalSign.OxygenSaturation, lastMinute: 1, atMinute: 13).Raised);

        Assert.Equal(new AlertKey(AlertCondition.VitalStale, VitalSign.OxygenSaturation), alert.Key);
    }

    [Fact]
    public void A_vital_arriving_again_clears_at_once()
    {
        Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12);

        var outcome = Fresh(VitalSign.HeartRate, atMinute: 12.1);

        Assert.Equal(new AlertClearance(Patient, StaleHeartRate, At(12.1)), Assert.Single(outcome.Cleared));
        Assert.Empty(outcome.Raised);
    }

    [Fact]
    public void A_vital_arriving_that_was_never_stale_clears_nothing()
    {
        Assert.True(Fresh(VitalSign.HeartRate, atMinute: 1).IsEmpty);
    }

    [Fact]
    public void A_fresh_vital_clears_only_its_own_stale_alert()
    {
        Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12);
        Stale(VitalSign.OxygenSaturation, lastMinute: 0, atMinute: 12);

        Assert.Equal([StaleHeartRate], Fresh(VitalSign.HeartRate, atMinute: 13).Cleared.Select(c => c.Key));
        Assert.True(Stale(VitalSign.OxygenSaturation, lastMinute: 0, atMinute: 14).IsEmpty);
    }

    [Fact]
    public void A_vital_going_stale_again_after_arriving_alerts_again()
    {
        Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12);
        Fresh(VitalSign.HeartRate, atMinute: 13);

        Assert.Single(Stale(VitalSign.HeartRate, lastMinute: 13, atMinute: 25).Raised);
    }

    [Fact]
    public void Passing_time_does_not_clear_a_stale_vital()
    {
        Stale(VitalSign.HeartRate, lastMinute: 0, atMinute: 12);

        Assert.True(_policy.Advance(At(24 * 60)).IsEmpty);
    }

    private AlertOutcome Stale(VitalSign sign, double lastMinute, double atMinute) =>
        _policy.OnVitalStale(Patient, sign, stale: true, At(lastMinute), At(atMinute));

    private AlertOutcome Fresh(VitalSign sign, double atMinute) =>
        _policy.OnVitalStale(Patient, sign, stale: false, At(atMinute), At(atMinute));

    private static DateTimeOffset At(double minute) => Start.AddMinutes(minute);
}
