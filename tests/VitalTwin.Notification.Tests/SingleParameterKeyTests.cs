using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>A parameter scoring 3 alerts per vital and direction, so silencing one leaves the other alerting.</summary>
public class SingleParameterKeyTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { ClearAfter = TimeSpan.FromMinutes(5) }, VitalCatalogue.Default);

    [Theory]
    [InlineData("pulse", 135, VitalSign.HeartRate, AlertDirection.Up)]
    [InlineData("pulse", 38, VitalSign.HeartRate, AlertDirection.Down)]
    [InlineData("respiration", 26, VitalSign.RespiratoryRate, AlertDirection.Up)]
    [InlineData("respiration", 7, VitalSign.RespiratoryRate, AlertDirection.Down)]
    [InlineData("saturation", 90, VitalSign.OxygenSaturation, AlertDirection.Down)]
    [InlineData("systolic", 225, VitalSign.SystolicBloodPressure, AlertDirection.Up)]
    [InlineData("systolic", 85, VitalSign.SystolicBloodPressure, AlertDirection.Down)]
    [InlineData("temperature", 34.5, VitalSign.BodyTemperature, AlertDirection.Down)]
    public void A_vital_scoring_three_alerts_under_its_vital_and_direction(string parameter, double value, VitalSign sign, AlertDirection direction)
    {
        var alert = Assert.Single(Observe(With(parameter, value), 0).Raised);

        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter, sign, direction), alert.Key);
        Assert.Equal(sign, Assert.Single(alert.Reasons).Sign);
    }

    [Fact]
    public void Consciousness_scoring_three_alerts_under_a_key_without_a_vital()
    {
        var alert = Assert.Single(Observe(new Vitals(Consciousness: Consciousness.NewConfusion), 0).Raised);

        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter), alert.Key);
        Assert.Null(Assert.Single(alert.Reasons).Sign);
    }

    [Fact]
    public void The_other_direction_of_the_same_vital_is_a_new_alert()
    {
        var fast = Assert.Single(Observe(With("pulse", 135), 0).Raised);

        var slow = Assert.Single(Observe(With("pulse", 38), 1).Raised);

        Assert.Equal(AlertDirection.Up, fast.Key.Direction);
        Assert.Equal(AlertDirection.Down, slow.Key.Direction);
    }

    [Fact]
    public void Leaving_one_direction_for_the_other_clears_only_the_direction_left()
    {
        Observe(With("pulse", 135), 0);
        Observe(With("pulse", 38), 1);

        var outcome = Advance(6);

        Assert.Equal([new AlertKey(AlertCondition.News2SingleParameter, VitalSign.HeartRate, AlertDirection.Up)], outcome.Cleared.Select(c => c.Key));
    }

    [Fact]
    public void Two_vitals_scoring_three_at_once_raise_one_medium_alert_naming_both()
    {
        var decisions = Observe(new Vitals(RespirationRate: 7, Pulse: 38), 0).Raised;

        var medium = Assert.Single(decisions);
        Assert.Equal(AlertCondition.News2Medium, medium.Condition);
        Assert.Equal([VitalSign.RespiratoryRate, VitalSign.HeartRate], medium.Reasons.Where(r => r.Text.EndsWith("scores 3", StringComparison.Ordinal)).Select(r => r.Sign!.Value));
    }

    [Fact]
    public void A_vital_worsening_within_its_direction_raises_nothing_more()
    {
        Observe(With("pulse", 135), 0);

        Assert.Empty(Observe(With("pulse", 160), 1).Raised);
    }

    private AlertOutcome Observe(Vitals vitals, double minute) =>
        _policy.OnNews2Changed(Patient, vitals.Score(), vitals.Values(), Start.AddMinutes(minute));

    private AlertOutcome Advance(double minute) => _policy.Advance(Start.AddMinutes(minute));

    private static Vitals With(string parameter, double value) => parameter switch
    {
        "pulse" => new Vitals(Pulse: value),
        "respiration" => new Vitals(RespirationRate: value),
        "saturation" => new Vitals(OxygenSaturation: value),
        "systolic" => new Vitals(SystolicBloodPressure: value),
        "temperature" => new Vitals(Temperature: value),
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "Unknown parameter."),
    };
}
