using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Tests;

/// <summary>What an alert is about: the unit of de-duplication, silencing and clearance, kept per patient.</summary>
public class AlertKeyTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly AlertPolicy _policy = new(new AlertPolicyOptions { AlertOnSpikes = true, AlertOnChanges = true }, VitalCatalogue.Default);

    [Fact]
    public void A_key_without_a_vital_reads_as_its_condition()
    {
        Assert.Equal("News2High", new AlertKey(AlertCondition.News2High).ToString());
        Assert.Equal("VitalsCombined", new AlertKey(AlertCondition.VitalsCombined).ToString());
    }

    [Fact]
    public void A_key_with_a_vital_reads_as_condition_vital_and_direction()
    {
        Assert.Equal("VitalSpike/HeartRate/Up", new AlertKey(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Up).ToString());
        Assert.Equal("News2SingleParameter/OxygenSaturation/Down", new AlertKey(AlertCondition.News2SingleParameter, VitalSign.OxygenSaturation, AlertDirection.Down).ToString());
        Assert.Equal("VitalStale/BodyTemperature/None", new AlertKey(AlertCondition.VitalStale, VitalSign.BodyTemperature).ToString());
    }

    [Fact]
    public void Keys_differing_only_in_direction_are_different_keys()
    {
        Assert.NotEqual(
            new AlertKey(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Up),
            new AlertKey(AlertCondition.VitalSpike, VitalSign.HeartRate, AlertDirection.Down));
    }

    [Fact]
    public void A_vital_stale_for_one_patient_alerts_for_another_too()
    {
        Stale("patient-a", minute: 12);

        Assert.Equal("patient-b", Assert.Single(Stale("patient-b", minute: 12).Raised).PatientId);
    }

    [Fact]
    public void A_vital_arriving_for_one_patient_leaves_another_patients_stale_alert_open()
    {
        Stale("patient-a", minute: 12);
        Stale("patient-b", minute: 12);

        var outcome = _policy.OnVitalStale("patient-b", VitalSign.OxygenSaturation, stale: false, At(13), At(13));

        Assert.Equal("patient-b", Assert.Single(outcome.Cleared).PatientId);
        Assert.True(Stale("patient-a", minute: 14).IsEmpty);
    }

    [Fact]
    public void Each_patient_clears_on_its_own_quiet_period()
    {
        _policy.OnAnomaly(Spike("patient-a", VitalSign.HeartRate, 0));
        _policy.OnAnomaly(Spike("patient-b", VitalSign.HeartRate, 1));

        Assert.Equal(["patient-a"], _policy.Advance(At(15)).Cleared.Select(c => c.PatientId));
        Assert.Equal(["patient-b"], _policy.Advance(At(16)).Cleared.Select(c => c.PatientId));
    }

    [Fact]
    public void An_empty_patient_id_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _policy.OnAnomaly(Spike("", VitalSign.HeartRate, 0)));
    }

    private AlertOutcome Stale(string patientId, double minute) =>
        _policy.OnVitalStale(patientId, VitalSign.OxygenSaturation, stale: true, Start, At(minute));

    private static DateTimeOffset At(double minute) => Start.AddMinutes(minute);

    private static SpikeObservation Spike(string patientId, VitalSign sign, double minute) =>
        new(patientId, sign, 140, "/min", 75, 0.001, Upward: true, At(minute));
}
