using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class ContextAlertTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Recording_supplemental_oxygen_that_lifts_news2_to_five_raises_an_alert()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
        var patient = Readings.ForNewPatient("oxygen");
        await patient.RegisterAsync(devices);

        // Pulse 115 and breathing 22 score 2 each: NEWS2 4, no alert yet.
        await ingestion.IngestAsync(patient.Vitals(heartRate: 115, spo2: 97, respiratoryRate: 22, systolic: 125, temperature: 37), patient.Credential);
        var before = await twins.WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 5, Timeout);
        Assert.Equal(4, before.News2.Total);

        var updated = await twins.SetPatientContextAsync(new SetPatientContextRequest
        {
            PatientId = patient.PatientId,
            Context = new PatientContext { OnSupplementalOxygen = true },
            RecordedBy = "nurse-e2e",
        });

        Assert.Equal(6, updated.News2.Total);
        var (alert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2Medium, Timeout);
        Assert.Equal(6, alert.News2Total);
        Assert.Contains(alert.Reasons, r => r.Text.Contains("Supplemental oxygen scores 2", StringComparison.Ordinal));
    }
}
