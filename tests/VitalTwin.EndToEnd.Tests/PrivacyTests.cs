using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class PrivacyTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Services_log_no_patient_identifier_and_no_vital_value_at_their_default_level()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var patient = Readings.ForNewPatient("privacy");
        await devices.RegisterDeviceAsync(patient.Registration());

        // Values chosen to be recognisable in any log line: every path that might log runs with them.
        await ingestion.IngestAsync(patient.Vitals(heartRate: 137.25, spo2: 88.75, respiratoryRate: 29.25, systolic: 87.75, temperature: 39.35));
        var rejected = new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 987.25, "/min") } };
        await ingestion.IngestAsync(rejected);
        var (alert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        // The Notification service logs the alert id when it raises it: once that line is out, every service has handled this patient.
        await system.WaitForLineAsync(line => line.Contains(alert.AlertId, StringComparison.Ordinal), Timeout);

        var output = system.Output.ToList();
        Assert.NotEmpty(output);
        string[] secrets = [patient.PatientId, patient.DeviceId, "137.25", "88.75", "29.25", "87.75", "39.35", "987.25"];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(output, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }
}
