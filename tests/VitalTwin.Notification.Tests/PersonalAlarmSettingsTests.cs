using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Notification.Core;
using PatientSettings = VitalTwin.Clinical.Settings.AlarmSettings;

namespace VitalTwin.Notification.Tests;


/// <summary>The alert policy under a patient's personal alarm settings, judged at each event's time.</summary>
public class PersonalAlarmSettingsTests
{
    private const string Patient = "patient-1";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly SettingProvenance Provenance = new("Athlete, resting pulse in the 30s", "dr-house", Start.AddHours(-1), Start.AddHours(24));
    private static readonly AlertPolicyOptions Options = new() { ClearAfter = TimeSpan.FromMinutes(5) };

    [Fact]
    public void A_tighter_high_limit_alerts_where_the_defaults_are_silent()
    {
        var byDefault = new AlertPolicy(Options, VitalCatalogue.Default);
        var personal = Policy(Pulse(high: 110));

        Assert.Empty(byDefault.OnNews2Changed(Patient, new Vitals(Pulse: 115).Score(), new Vitals(Pulse: 115).Values(), Start).Raised);
        var alert = Assert.Single(Observe(personal, new Vitals(Pulse: 115), 0).Raised);

        Assert.Equal(new AlertKey(AlertCondition.PersonalLimit, VitalSign.HeartRate, AlertDirection.Up), alert.Key);
        Assert.Equal(AlertPriority.Medium, alert.Priority);
        Assert.Equal(115, Assert.Single(alert.Reasons).Value);
    }

    [Fact]
    public void A_wider_low_limit_holds_back_the_single_parameter_alert_until_the_personal_limit()
    {
        var policy = Policy(Pulse(low: 35));

        Assert.Empty(Observe(policy, new Vitals(Pulse: 38), 0).Raised);
        var alert = Assert.Single(Observe(policy, new Vitals(Pulse: 35), 1).Raised);

        Assert.Equal(new AlertKey(AlertCondition.PersonalLimit, VitalSign.HeartRate, AlertDirection.Down), alert.Key);
    }

    [Fact]
    public void The_other_side_without_a_personal_limit_keeps_its_default_alert()
    {
        var policy = Policy(Pulse(low: 35));

        var alert = Assert.Single(Observe(policy, new Vitals(Pulse: 135), 0).Raised);

        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter, VitalSign.HeartRate, AlertDirection.Up), alert.Key);
        Assert.Empty(alert.PersonalSettings);
    }

    [Fact]
    public void The_aggregate_news2_alerts_are_the_same_with_or_without_personal_limits()
    {
        Vitals[] course = [Vitals.Normal, new Vitals(RespirationRate: 22, Pulse: 38), Vitals.Normal, Vitals.Low4, Vitals.Medium5, Vitals.High7, Vitals.Medium6, Vitals.Normal];
        var byDefault = new AlertPolicy(Options, VitalCatalogue.Default);
        var personal = Policy(Pulse(low: 35, high: 150), Respiration(high: 30));

        var expected = Aggregates(course.Select((v, i) => Observe(byDefault, v, i * 20)).Append(byDefault.Advance(Start.AddMinutes(200))));
        var actual = Aggregates(course.Select((v, i) => Observe(personal, v, i * 20)).Append(personal.Advance(Start.AddMinutes(200))));

        Assert.Contains(expected, e => e.StartsWith(nameof(AlertCondition.News2High), StringComparison.Ordinal));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_crossing_shorter_than_the_hold_time_raises_nothing()
    {
        var policy = Policy(Pulse(high: 110, hold: TimeSpan.FromMinutes(2)));

        Assert.Empty(Observe(policy, new Vitals(Pulse: 115), 0).Raised);
        Assert.Empty(policy.Advance(Start.AddMinutes(1)).Raised);
        Assert.Empty(Observe(policy, Vitals.Normal, 1.5).Raised);

        Assert.Empty(policy.Advance(Start.AddMinutes(10)).Raised);
    }

    [Fact]
    public void A_crossing_that_lasts_the_hold_time_raises_when_the_hold_time_has_passed()
    {
        var policy = Policy(Pulse(high: 110, hold: TimeSpan.FromMinutes(2)));

        Assert.Empty(Observe(policy, new Vitals(Pulse: 115), 0).Raised);
        Assert.Empty(policy.Advance(Start.AddMinutes(1.9)).Raised);
        var alert = Assert.Single(policy.Advance(Start.AddMinutes(2)).Raised);

        Assert.Equal(AlertCondition.PersonalLimit, alert.Condition);
        Assert.Equal(Start.AddMinutes(2), alert.ObservedAt);
        Assert.EndsWith("for 2 min", Assert.Single(alert.Reasons).Text, StringComparison.Ordinal);
        Assert.Empty(Observe(policy, new Vitals(Pulse: 118), 3).Raised);
    }

    [Fact]
    public void A_personal_limit_alert_clears_like_a_single_parameter_one()
    {
        var policy = Policy(Pulse(high: 110));
        Observe(policy, new Vitals(Pulse: 115), 0);

        Observe(policy, Vitals.Normal, 1);
        Assert.Empty(policy.Advance(Start.AddMinutes(5)).Cleared);
        var cleared = Assert.Single(policy.Advance(Start.AddMinutes(6)).Cleared);

        Assert.Equal(new AlertKey(AlertCondition.PersonalLimit, VitalSign.HeartRate, AlertDirection.Up), cleared.Key);
    }

    [Fact]
    public void An_expired_setting_no_longer_applies()
    {
        var expiring = Pulse(low: 35) with { Provenance = Provenance with { ExpiresAt = Start.AddMinutes(30) } };
        var policy = Policy(expiring);

        Assert.Empty(Observe(policy, new Vitals(Pulse: 38), 0).Raised);
        Observe(policy, Vitals.Normal, 1);
        policy.Advance(Start.AddMinutes(20));

        var alert = Assert.Single(Observe(policy, new Vitals(Pulse: 38), 31).Raised);
        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter, VitalSign.HeartRate, AlertDirection.Down), alert.Key);
        Assert.Empty(alert.PersonalSettings);
    }

    [Fact]
    public void The_alert_names_the_setting_that_decided_it()
    {
        var policy = Policy(Pulse(low: 35));

        var alert = Assert.Single(Observe(policy, new Vitals(Pulse: 33), 0).Raised);

        var applied = Assert.Single(alert.PersonalSettings);
        Assert.Equal(new AppliedSetting(VitalSign.HeartRate, "Heart rate low limit 35 /min (default 40)", Provenance.Reason, Provenance.Author, Provenance.ExpiresAt), applied);
    }

    [Fact]
    public void Spo2_on_scale_2_judges_a_lasting_change_by_scale_2()
    {
        var options = new AlertPolicyOptions { AlertOnChanges = true };
        var byDefault = new AlertPolicy(options, VitalCatalogue.Default);
        var scale2 = new AlertPolicy(options, VitalCatalogue.Default, _ => new PatientSettings([], SpO2Scale2: Provenance));
        var change = new SpikeObservation(Patient, VitalSign.OxygenSaturation, 89, "%", 94, 0.001, Upward: false, Start, LastingChange: true);

        Assert.Single(byDefault.OnAnomaly(change).Raised);

        Assert.Empty(scale2.OnAnomaly(change).Raised);
        Assert.Equal(1, scale2.ChangesWithinNormal);
    }

    [Fact]
    public void A_news2_alert_scored_on_scale_2_names_the_setting()
    {
        var policy = new AlertPolicy(Options, VitalCatalogue.Default, _ => new PatientSettings([], SpO2Scale2: Provenance));
        // As the twin scores it with scale 2 in force: 86 % scores 1.
        var vitals = new Vitals(RespirationRate: 22, OxygenSaturation: 86, Pulse: 115);
        var news2 = News2.Score(new News2Observations(22, 86, null, 120, 115, null, 37.0, SpO2Scale.Scale2));

        var alert = Assert.Single(policy.OnNews2Changed(Patient, news2, vitals.Values(), Start).Raised);

        Assert.Equal(AlertCondition.News2Medium, alert.Condition);
        Assert.Equal("Oxygen saturation scored on NEWS2 scale 2", Assert.Single(alert.PersonalSettings).Description);
    }

    [Fact]
    public void An_anomaly_under_a_non_standard_sensitivity_names_it()
    {
        var policy = new AlertPolicy(new AlertPolicyOptions { AlertOnSpikes = true }, VitalCatalogue.Default,
            _ => new PatientSettings([new VitalAlarmSetting(VitalSign.HeartRate, null, null, TimeSpan.Zero, DetectorSensitivity.High, Provenance)]));

        var alert = Assert.Single(policy.OnAnomaly(new SpikeObservation(Patient, VitalSign.HeartRate, 120, "/min", 80, 0.0001, Upward: true, Start)).Raised);

        Assert.Equal("Heart rate detector sensitivity high", Assert.Single(alert.PersonalSettings).Description);
    }

    [Fact]
    public void A_held_score_of_three_with_the_value_back_in_its_normal_band_raises_no_alert_of_the_other_direction()
    {
        // The twin holds a band change until it lasted: pulse 134 still scores 3 while the value NEWS2 scores is 77 again.
        var policy = new AlertPolicy(Options, VitalCatalogue.Default);
        var held = new Vitals(Pulse: 134).Score();

        var raised = policy.OnNews2Changed(Patient, held, new Vitals(Pulse: 77).Values(), Start).Raised;

        Assert.DoesNotContain(raised, d => d.Condition == AlertCondition.News2SingleParameter);
        var alert = Assert.Single(policy.OnNews2Changed(Patient, held, new Vitals(Pulse: 134).Values(), Start.AddSeconds(1)).Raised);
        Assert.Equal(new AlertKey(AlertCondition.News2SingleParameter, VitalSign.HeartRate, AlertDirection.Up), alert.Key);
    }

    private static List<string> Aggregates(IEnumerable<AlertOutcome> outcomes) =>
        [.. outcomes.SelectMany(o => o.Raised.Where(d => d.Condition is AlertCondition.News2Medium or AlertCondition.News2High).Select(d => $"{d.Condition} {d.Summary} {d.ObservedAt:t}")
            .Concat(o.Cleared.Where(c => c.Key.Sign is null).Select(c => $"cleared {c.Key} {c.ClearedAt:t}")))];

    private static AlertPolicy Policy(params VitalAlarmSetting[] vitals) =>
        new(Options, VitalCatalogue.Default, patientId => patientId == Patient ? new PatientSettings(vitals) : PatientSettings.None);

    private static VitalAlarmSetting Pulse(double? low = null, double? high = null, TimeSpan hold = default) =>
        new(VitalSign.HeartRate, low, high, hold, DetectorSensitivity.Standard, Provenance);

    private static VitalAlarmSetting Respiration(double? low = null, double? high = null) =>
        new(VitalSign.RespiratoryRate, low, high, TimeSpan.Zero, DetectorSensitivity.Standard, Provenance);

    private static AlertOutcome Observe(AlertPolicy policy, Vitals vitals, double minute) =>
        policy.OnNews2Changed(Patient, vitals.Score(), vitals.Values(), Start.AddMinutes(minute));
}
