using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// A bedside monitor that restarts numbers its readings from 1 again under a new boot id: through the whole system its
/// readings are stored and applied, not taken for resends, and what derives from them (anomalies, alerts) gets ids of
/// its own; a resend within a boot is still recognised.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class DeviceRestartTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const ulong FirstBoot = 0x0b00_7000_0000_0001, SecondBoot = 0x0b00_7000_0000_0002;
    // 150 s of a steady pulse fill the spike detector's 120-reading window; the 151st reading jumps away from it.
    private const int SteadySeconds = 150, ReadingsPerBoot = SteadySeconds + 1;

    private readonly VitalSignIngestion.VitalSignIngestionClient _ingestion = new(system.Channel("Gateway"));
    private readonly DeviceRegistry.DeviceRegistryClient _devices = new(system.Channel("Gateway"));
    private readonly TwinQuery.TwinQueryClient _twins = new(system.Channel("TwinState"));

    [Fact]
    public async Task A_restarted_monitor_numbering_from_one_under_a_new_boot_id_has_its_readings_applied_and_its_alerts_get_new_ids()
    {
        using var telemetry = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Telemetry);
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var patient = Readings.ForNewPatient("restart");
        await patient.RegisterAsync(_devices);

        patient.Boot(FirstBoot);
        var firstBoot = SteadyThenSpike(patient, DateTimeOffset.UtcNow.AddMinutes(-40), spike: 150);
        var first = await _ingestion.IngestAsync(firstBoot, patient.Credential);
        var (firstAlert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.VitalSpike, Timeout);
        // The monitor missed the acknowledgement and sends the batch again.
        var resent = await _ingestion.IngestAsync(firstBoot, patient.Credential);

        // Twenty minutes on, the monitor restarts and numbers its readings from 1 again; its spike is a fall this time,
        // so its alert has a key of its own whether or not the rise's alert has cleared yet.
        patient.Boot(SecondBoot);
        var secondBoot = SteadyThenSpike(patient, DateTimeOffset.UtcNow.AddMinutes(-20), spike: 35);
        var second = await _ingestion.IngestAsync(secondBoot, patient.Credential);
        var (secondAlert, _) = await alerts.WaitForAsync(
            patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.VitalSpike && a.Key.Direction == Direction.Down, Timeout);

        Assert.Equal((ReadingsPerBoot, ReadingsPerBoot, ReadingsPerBoot), ((int)first.Accepted, (int)resent.Accepted, (int)second.Accepted));
        Assert.Equal((0u, 0u, 0u), (first.Rejected, resent.Rejected, second.Rejected));
        var twin = await Polling.UntilAsync(
            ct => _twins.GetTwinAsync(new GetTwinRequest { PatientId = patient.PatientId }, cancellationToken: ct).ResponseAsync,
            t => t.ReadingsApplied == 2 * ReadingsPerBoot,
            Timeout);
        Assert.Equal(35, twin.Vitals.Single(v => v.Code.Loinc == Readings.HeartRate.Loinc).Value);
        // The resend was recognised: the telemetry topic holds each reading of each boot once, the last one included.
        await telemetry.WaitForAsync(patient.PatientId, VitalSignsRecorded.Parser, r => r.Reading.BootId == SecondBoot && r.Reading.SequenceNumber == ReadingsPerBoot, Timeout);
        var stored = telemetry.Seen(patient.PatientId, VitalSignsRecorded.Parser);
        Assert.Equal(2 * ReadingsPerBoot, stored.Count);
        Assert.Equal(2 * ReadingsPerBoot, stored.Select(r => r.EventId).Distinct().Count());
        // Both spikes are reading 151 of their boot; each alert names the spike of its own boot.
        Assert.Equal($"{patient.DeviceId}/{FirstBoot:x16}/{ReadingsPerBoot}/iid-spike", firstAlert.SourceEventId);
        Assert.Equal($"{patient.DeviceId}/{SecondBoot:x16}/{ReadingsPerBoot}/iid-spike", secondAlert.SourceEventId);
        Assert.NotEqual(firstAlert.AlertId, secondAlert.AlertId);
    }

    private static VitalSignBatch SteadyThenSpike(Readings patient, DateTimeOffset start, double spike)
    {
        var batch = new VitalSignBatch();
        for (var second = 0; second < SteadySeconds; second++)
        {
            batch.Readings.Add(patient.Reading(Readings.HeartRate, 70 + (second % 5) - 2, "/min", start.AddSeconds(second)));
        }
        batch.Readings.Add(patient.Reading(Readings.HeartRate, spike, "/min", start.AddSeconds(SteadySeconds)));
        return batch;
    }
}
