using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

public class News2AlertTests
{
    private const string Patient = "patient-1";
    // Clearing at once isolates the enter/leave rules from the hysteresis, which ClearAfterTests covers.
    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { ClearAfter = TimeSpan.Zero }, VitalCatalogue.Default);
    private DateTimeOffset _now = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_named_sets_score_as_the_rcp_chart_says()
    {
        Vitals[] sets = [Vitals.Normal, Vitals.Low4, Vitals.Medium5, Vitals.Medium6, Vitals.High7, Vitals.SingleThree, Vitals.MediumWithSingleThree];

        Assert.Equal(
            [
                (0, News2Risk.Low),
                (4, News2Risk.Low),
                (5, News2Risk.Medium),
                (6, News2Risk.Medium),
                (7, News2Risk.High),
                (3, News2Risk.LowMedium),
                (5, News2Risk.Medium),
            ],
            sets.Select(v => v.Score()).Select(s => (s.Total, s.Risk)));
    }

    [Fact]
    public void Entering_medium_risk_raises_one_medium_priority_alert()
    {
        Observe(Vitals.Normal);

        var decisions = Observe(Vitals.Medium5);

        var alert = Assert.Single(decisions);
        Assert.Equal(Patient, alert.PatientId);
        Assert.Equal(AlertCondition.News2Medium, alert.Condition);
        Assert.Equal(AlertPriority.Medium, alert.Priority);
        Assert.Equal(5, alert.News2Total);
        Assert.Equal("NEWS2 5 (medium risk)", alert.Summary);
    }

    [Fact]
    public void Low_scores_raise_nothing()
    {
        Assert.Empty(Observe(Vitals.Normal));
        Assert.Empty(Observe(Vitals.Low4));
    }

    [Fact]
    public void Staying_at_medium_risk_raises_nothing_more()
    {
        Assert.Single(Observe(Vitals.Medium5));

        Assert.Empty(Observe(Vitals.Medium6));
        Assert.Empty(Observe(Vitals.Medium5));
        Assert.Empty(Observe(Vitals.Medium5));
    }

    [Fact]
    public void Rising_from_medium_to_high_raises_a_high_priority_alert()
    {
        Observe(Vitals.Medium5);

        var alert = Assert.Single(Observe(Vitals.High7));

        Assert.Equal(AlertCondition.News2High, alert.Condition);
        Assert.Equal(AlertPriority.High, alert.Priority);
        Assert.Equal(7, alert.News2Total);
        Assert.Equal("NEWS2 7 (high risk)", alert.Summary);
    }

    [Fact]
    public void Jumping_straight_to_high_raises_only_the_high_alert()
    {
        Observe(Vitals.Normal);

        var alert = Assert.Single(Observe(Vitals.High7));

        Assert.Equal(AlertCondition.News2High, alert.Condition);
    }

    [Fact]
    public void Falling_from_high_to_medium_steps_the_alert_down_once_in_place_of_the_high_one()
    {
        Observe(Vitals.Medium5);
        Observe(Vitals.High7);

        var stepped = Assert.Single(Observe(Vitals.Medium6));
        Assert.Equal((AlertCondition.News2Medium, new AlertKey(AlertCondition.News2High)), (stepped.Condition, Assert.Single(stepped.Supersedes)));
        Assert.Empty(Observe(Vitals.Medium5));
    }

    [Fact]
    public void Rising_to_high_again_after_falling_back_to_medium_raises_high_again()
    {
        Observe(Vitals.High7);
        Observe(Vitals.Medium6);

        var alert = Assert.Single(Observe(Vitals.High7));

        Assert.Equal(AlertCondition.News2High, alert.Condition);
    }

    [Fact]
    public void Falling_below_five_and_rising_again_raises_again()
    {
        Assert.Single(Observe(Vitals.Medium5));
        Assert.Empty(Observe(Vitals.Low4));

        var alert = Assert.Single(Observe(Vitals.Medium6));

        Assert.Equal(AlertCondition.News2Medium, alert.Condition);
        Assert.Equal(6, alert.News2Total);
    }

    [Fact]
    public void Falling_from_high_below_five_and_rising_to_high_raises_high_again()
    {
        Observe(Vitals.High7);
        Observe(Vitals.Normal);

        var alert = Assert.Single(Observe(Vitals.High7));

        Assert.Equal(AlertCondition.News2High, alert.Condition);
    }

    [Fact]
    public void A_single_parameter_scoring_three_raises_once_until_it_clears()
    {
        var first = Assert.Single(Observe(Vitals.SingleThree));
        Assert.Equal(AlertCondition.News2SingleParameter, first.Condition);
        Assert.Equal(AlertPriority.Medium, first.Priority);
        Assert.Equal(3, first.News2Total);

        Assert.Empty(Observe(Vitals.SingleThree));
        Assert.Empty(Observe(Vitals.SingleThree with { OxygenSaturation = 85 }));
        Assert.Empty(Observe(Vitals.Normal));

        var again = Assert.Single(Observe(Vitals.SingleThree));
        Assert.Equal(AlertCondition.News2SingleParameter, again.Condition);
    }

    [Fact]
    public void A_second_parameter_scoring_three_takes_the_patient_to_medium_and_one_alert_folds_in_the_first()
    {
        var first = Assert.Single(Observe(Vitals.SingleThree));

        var decisions = Observe(new Vitals(OxygenSaturation: 90, RespirationRate: 6));

        var alert = Assert.Single(decisions);
        Assert.Equal(AlertCondition.News2Medium, alert.Condition);
        Assert.Equal([first.Key], alert.Supersedes);
        Assert.Contains(alert.Reasons, r => r.Sign == VitalSign.RespiratoryRate);
    }

    [Fact]
    public void Medium_risk_with_a_parameter_scoring_three_raises_one_alert_that_names_the_parameter()
    {
        var decisions = Observe(Vitals.MediumWithSingleThree);

        var medium = Assert.Single(decisions);
        Assert.Equal(AlertCondition.News2Medium, medium.Condition);
        Assert.Contains("Oxygen saturation 90 % scores 3", medium.Reasons.Select(r => r.Text));
    }

    [Fact]
    public void Aggregate_reasons_name_each_scoring_vital_with_its_value_and_score()
    {
        var alert = Assert.Single(Observe(Vitals.Medium5));

        Assert.Equal(
            [
                "Respiratory rate 22 /min scores 2",
                "Oxygen saturation 95 % scores 1",
                "Heart rate 115 /min scores 2",
            ],
            alert.Reasons.Select(r => r.Text));
        var pulse = alert.Reasons[2];
        Assert.Equal(VitalSign.HeartRate, pulse.Sign);
        Assert.Equal(115, pulse.Value);
        Assert.Equal("/min", pulse.Unit);
    }

    [Fact]
    public void Reasons_round_values_to_one_decimal()
    {
        var alert = Assert.Single(Observe(Vitals.Medium5 with { Temperature = 38.46 }));

        Assert.Contains(alert.Reasons, r => r.Text == "Body temperature 38.5 Cel scores 1" && r.Value == 38.46);
    }

    [Fact]
    public void Single_parameter_alert_names_only_the_parameter_scoring_three()
    {
        var decisions = Observe(Vitals.SingleThree);

        var single = decisions.Single(d => d.Condition == AlertCondition.News2SingleParameter);
        var reason = Assert.Single(single.Reasons);
        Assert.Equal("Oxygen saturation 90 % scores 3", reason.Text);
        Assert.Equal(VitalSign.OxygenSaturation, reason.Sign);
        Assert.Equal(90, reason.Value);
        Assert.Equal("Single NEWS2 parameter scores 3: Oxygen saturation 90 % scores 3", single.Summary);
    }

    [Fact]
    public void Parameters_no_device_measures_are_named_without_a_value()
    {
        var vitals = new Vitals(OnOxygen: true, Consciousness: Consciousness.Voice);

        var decisions = Observe(vitals);

        // Consciousness scoring 3 is named by the medium alert, which folds the single-parameter condition in.
        var medium = Assert.Single(decisions);
        Assert.Equal(AlertCondition.News2Medium, medium.Condition);
        Assert.Equal(["Supplemental oxygen scores 2", "Consciousness scores 3"], medium.Reasons.Select(r => r.Text));
        Assert.All(medium.Reasons, r => Assert.Null(r.Value));
    }

    [Fact]
    public void Patients_are_independent()
    {
        Assert.Single(Observe(Vitals.Medium5, "patient-a"));

        Assert.Single(Observe(Vitals.Medium5, "patient-b"));
        Assert.Empty(Observe(Vitals.Medium5, "patient-a"));
        Assert.Empty(Observe(Vitals.Normal, "patient-b"));
        Assert.Empty(Observe(Vitals.Medium5, "patient-a"));
        Assert.Single(Observe(Vitals.Medium5, "patient-b"));
    }

    [Fact]
    public void Patient_ids_are_compared_ordinally()
    {
        Observe(Vitals.Medium5, "patient-a");

        Assert.Single(Observe(Vitals.Medium5, "PATIENT-A"));
    }

    private IReadOnlyList<AlertDecision> Observe(Vitals vitals, string patientId = Patient) =>
        _policy.OnNews2Changed(patientId, vitals.Score(), vitals.Values(), _now = _now.AddSeconds(1)).Raised;
}
