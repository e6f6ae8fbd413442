using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

/// <summary>What clinicians' commands leave on a twin: its version, personal alarm settings and acknowledged anomalies with their verdict.</summary>
public class TwinCommandStateTests
{
    private static readonly DateTimeOffset Expiry = Readings.Start.AddMinutes(2);
    private readonly Devices _devices = new();

    [Fact]
    public void A_scale_two_setting_scores_saturation_on_scale_two_at_once_and_no_longer_from_the_tick_that_passes_its_expiry()
    {
        var twin = new PatientTwin("patient-1");
        twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 90, atSecond: 0));
        twin.SetContext(new PatientContext(Consciousness: Consciousness.Alert));
        Assert.Equal(3, twin.Snapshot().News2.Total);

        var set = twin.SetAlarmSettings(Scale2Until(Expiry));

        Assert.True(set.News2Changed);
        Assert.Equal((3, 0), (set.Previous.Total, set.Current.Total));
        Assert.Equal(0, TwinSnapshot.FromBytes(twin.Snapshot().ToBytes()).News2.Total);
        Assert.False(twin.RefreshStaleness(Expiry.AddTicks(-1)).News2Change.HasValue);

        var expired = twin.RefreshStaleness(Expiry);

        Assert.Equal((0, 3), (expired.News2Change!.Value.Previous.Total, expired.News2Change.Value.Current.Total));
        Assert.Equal(3, twin.Snapshot().News2.Total);
        Assert.True(twin.Snapshot().SettingsInForce.IsEmpty);
        Assert.NotNull(twin.Settings.SpO2Scale2);
    }

    [Fact]
    public void A_scale_two_setting_changes_a_band_at_once_without_waiting_out_the_hold()
    {
        var twin = new PatientTwin("patient-1", TwinSettings.Default with { News2Hold = TimeSpan.FromMinutes(5) });
        twin.Apply(_devices.Reading(VitalSign.OxygenSaturation, 90, atSecond: 0));
        twin.SetContext(new PatientContext(Consciousness: Consciousness.Alert));

        var change = twin.SetAlarmSettings(Scale2Until(Expiry));

        Assert.Equal(News2Risk.Low, change.Current.Risk);
    }

    [Fact]
    public void An_acknowledgement_keeps_the_anomaly_with_its_verdict_for_seventy_two_hours_of_the_twins_clock()
    {
        var twin = new PatientTwin("patient-1");
        twin.Apply(_devices.Reading(VitalSign.HeartRate, 140, atSecond: 10));
        var anomaly = Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 140, atSecond: 10);
        twin.RecordAnomaly(anomaly);

        Assert.True(twin.AcknowledgeAnomaly("anomaly-1", AnomalyVerdict.Real, "dr-ito", Readings.Start.AddMinutes(1), "tachycardia confirmed"));
        Assert.False(twin.AcknowledgeAnomaly("anomaly-1", AnomalyVerdict.FalseAlarm, "dr-ito", Readings.Start.AddMinutes(2), "again"));

        var acknowledged = Assert.Single(twin.Snapshot().Acknowledged);
        Assert.Equal(new AcknowledgedAnomaly(anomaly, AnomalyVerdict.Real, "dr-ito", Readings.Start.AddMinutes(1), "tachycardia confirmed"), acknowledged);
        Assert.Empty(twin.Snapshot().OpenAnomalies);
        twin.RefreshStaleness(anomaly.ObservedAt + PatientTwin.AcknowledgedKeptFor - TimeSpan.FromSeconds(1));
        Assert.Single(twin.Snapshot().Acknowledged);
        Assert.True(twin.RefreshStaleness(anomaly.ObservedAt + PatientTwin.AcknowledgedKeptFor).Changed);
        Assert.Empty(twin.Snapshot().Acknowledged);
    }

    [Fact]
    public void A_version_at_or_below_the_twins_is_refused()
    {
        var twin = new PatientTwin("patient-1");

        Assert.Equal(PatientTwin.NoVersion, twin.Version);
        Assert.True(twin.AdvanceVersion(0));
        Assert.True(twin.AdvanceVersion(7));
        Assert.False(twin.AdvanceVersion(7));
        Assert.False(twin.AdvanceVersion(3));
        Assert.Equal(7, twin.Version);
    }

    [Fact]
    public void A_scored_value_crossing_a_personal_limit_inside_a_news2_band_is_announced_and_without_the_limit_is_not()
    {
        var provenance = new SettingProvenance("watch closely", "dr-ito", Readings.Start, Readings.Start.AddHours(24));
        var limit = new Clinical.Settings.AlarmSettings([new VitalAlarmSetting(VitalSign.HeartRate, null, 120, TimeSpan.Zero, DetectorSensitivity.Standard, provenance)]);
        var twin = new PatientTwin("patient-1");
        twin.Apply(_devices.Reading(VitalSign.HeartRate, 112, atSecond: 0));

        // Pulse 111-130 scores 2 throughout: NEWS2 never moves, only the scored value crosses 120.
        var changes = new[] { 125, 126, 127 }.Select((value, i) => twin.Apply(_devices.Reading(VitalSign.HeartRate, value, atSecond: 10 * (i + 1)))).ToList();

        Assert.All(changes, change => Assert.False(change.News2Changed));
        var crossing = Assert.Single(changes, change => change.Announces(limit));
        Assert.True(crossing.Scored!.Value.Before < 120 && crossing.Scored.Value.After >= 120);
        Assert.DoesNotContain(changes, change => change.Announces(Clinical.Settings.AlarmSettings.None));
    }

    [Fact]
    public void A_personal_limit_expiring_with_the_clock_is_announced_so_the_default_limit_is_judged_again()
    {
        // Pulse 38 scores 3: a low limit of 35 holds back the single-parameter alert until it expires.
        var provenance = new SettingProvenance("athlete", "dr-ito", Readings.Start, Expiry);
        var twin = new PatientTwin("patient-1", TwinSettings.Default with { News2Hold = TimeSpan.Zero });
        twin.Apply(_devices.Reading(VitalSign.HeartRate, 38, atSecond: 0));
        twin.SetAlarmSettings(new Clinical.Settings.AlarmSettings([new VitalAlarmSetting(VitalSign.HeartRate, 35, null, TimeSpan.Zero, DetectorSensitivity.Standard, provenance)]));

        Assert.Null(twin.RefreshStaleness(Expiry.AddTicks(-1)).News2Change);
        var expired = twin.RefreshStaleness(Expiry);

        Assert.True(expired.Changed);
        Assert.False(expired.News2Change!.Value.News2Changed);
        Assert.Null(twin.RefreshStaleness(Expiry.AddMinutes(1)).News2Change);
    }

    [Fact]
    public void Version_settings_and_acknowledgements_survive_bytes_and_a_restore()
    {
        var twin = new PatientTwin("patient-1");
        twin.Apply(_devices.Reading(VitalSign.HeartRate, 140, atSecond: 10));
        twin.RecordAnomaly(Readings.Anomaly("anomaly-1", VitalSign.HeartRate, 140, atSecond: 10));
        twin.AcknowledgeAnomaly("anomaly-1", AnomalyVerdict.FalseAlarm, "dr-ito", Readings.Start.AddMinutes(1), "motion");
        var provenance = new SettingProvenance("runs high", "dr-ito", Readings.Start, Expiry);
        twin.SetAlarmSettings(new Clinical.Settings.AlarmSettings(
            [new VitalAlarmSetting(VitalSign.HeartRate, null, 150, TimeSpan.FromSeconds(30), DetectorSensitivity.Low, provenance)],
            provenance,
            Version: 42,
            UpdatedAt: Readings.Start));
        twin.AdvanceVersion(42);

        var snapshot = twin.Snapshot();
        var restored = TwinSnapshot.FromBytes(snapshot.ToBytes());

        Assert.Equal(snapshot, restored);
        Assert.Equal(42, restored.Version);
        Assert.Equal(150, restored.Settings.For(VitalSign.HeartRate)!.HighLimit);
        Assert.Equal(provenance, restored.Settings.SpO2Scale2);
        Assert.Equal(AnomalyVerdict.FalseAlarm, Assert.Single(restored.Acknowledged).Verdict);
        var again = PatientTwin.Restore(restored);
        Assert.Equal(42, again.Version);
        Assert.Equal(snapshot, again.Snapshot());
    }

    private static Clinical.Settings.AlarmSettings Scale2Until(DateTimeOffset expiresAt) =>
        new([], new SettingProvenance("COPD, target 88-92 %", "dr-ito", Readings.Start, expiresAt), Version: 1, UpdatedAt: Readings.Start);
}
