using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>Hysteresis: a score hovering at a threshold must not raise an alert at every crossing.</summary>
public class ClearAfterTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { ClearAfter = TimeSpan.FromMinutes(5) }, VitalCatalogue.Default);

    [Fact]
    public void The_default_clear_after_time_is_fifteen_minutes()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), new AlertPolicyOptions().ClearAfter);
    }

    [Fact]
    public void Hovering_around_five_raises_one_alert()
    {
        var raised = new List<AlertDecision>();
        for (var minute = 0; minute < 20; minute++)
        {
            raised.AddRange(Observe(minute % 2 == 0 ? Vitals.Medium5 : Vitals.Low4, minute));
        }

        Assert.Equal(AlertCondition.News2Medium, Assert.Single(raised).Condition);
    }

    [Fact]
    public void A_condition_clear_for_the_whole_time_alerts_again()
    {
        Assert.Single(Observe(Vitals.Medium5, 0));
        Assert.Empty(Observe(Vitals.Low4, 1));
        Assert.Empty(Observe(Vitals.Low4, 5.5)); // clear for 4.5 minutes: not yet
        Assert.Empty(Observe(Vitals.Medium5, 5.9));
        Assert.Empty(Observe(Vitals.Low4, 6));
        Assert.Empty(Observe(Vitals.Low4, 11)); // clear for 5 minutes since 6: cleared

        Assert.Single(Observe(Vitals.Medium5, 12));
    }

    [Fact]
    public void Dropping_briefly_from_high_and_returning_raises_nothing()
    {
        Assert.Single(Observe(Vitals.High7, 0));
        Assert.Empty(Observe(Vitals.Medium6, 1));

        Assert.Empty(Observe(Vitals.High7, 2));
    }

    [Fact]
    public void High_settles_to_medium_after_the_clear_time_then_rising_alerts_again()
    {
        Assert.Single(Observe(Vitals.High7, 0));
        Assert.Empty(Observe(Vitals.Medium6, 1));
        // Straight to high raised no medium alert; settled at medium, the patient still needs one.
        Assert.Equal(AlertCondition.News2Medium, Assert.Single(Observe(Vitals.Medium6, 6)).Condition);

        var again = Assert.Single(Observe(Vitals.High7, 7));

        Assert.Equal(AlertCondition.News2High, again.Condition);
    }

    [Fact]
    public void High_settling_at_medium_raises_the_medium_alert_when_time_passes_without_another_event()
    {
        Assert.Single(Observe(Vitals.High7, 0));
        Assert.Empty(Observe(Vitals.Medium6, 1));

        var outcome = _policy.Advance(Start.AddMinutes(6));

        // The alert steps down: the medium one supersedes the high one rather than a clearance leaving a gap.
        Assert.Empty(outcome.Cleared);
        var medium = Assert.Single(outcome.Raised);
        Assert.Equal(AlertCondition.News2Medium, medium.Condition);
        Assert.Equal(AlertCondition.News2High, Assert.Single(medium.Supersedes).Condition);
        Assert.Equal(6, medium.News2Total);
        Assert.Empty(_policy.Advance(Start.AddMinutes(30)).Raised);
    }

    [Fact]
    public void A_single_parameter_three_flapping_raises_one_alert()
    {
        var raised = new List<AlertDecision>();
        for (var minute = 0; minute < 10; minute++)
        {
            raised.AddRange(Observe(minute % 2 == 0 ? Vitals.SingleThree : Vitals.Normal, minute));
        }

        Assert.Equal(AlertCondition.News2SingleParameter, Assert.Single(raised).Condition);
    }

    private IReadOnlyList<AlertDecision> Observe(Vitals vitals, double minute) =>
        _policy.OnNews2Changed(Patient, vitals.Score(), vitals.Values(), Start.AddMinutes(minute)).Raised;
}
