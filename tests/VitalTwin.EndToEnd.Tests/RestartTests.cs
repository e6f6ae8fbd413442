using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class RestartTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_restarted_anomaly_detector_resumes_each_patient_from_its_checkpoint()
    {
        using var anomalies = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Anomalies);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var patient = Readings.ForNewPatient("restart");
        await devices.RegisterDeviceAsync(new RegisterDeviceRequest { DeviceId = patient.DeviceId, PatientId = patient.PatientId });
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);

        // Learn a steady pulse, then spike: the first detection proves the running instance saw every reading.
        var learning = new VitalSignBatch();
        for (var second = 0; second < 150; second++)
        {
            learning.Readings.Add(patient.Reading(Readings.HeartRate, 70 + (second % 5) - 2, "/min", start.AddSeconds(second)));
        }
        var firstSpike = patient.Reading(Readings.HeartRate, 150, "/min", start.AddSeconds(150));
        learning.Readings.Add(firstSpike);
        await ingestion.IngestAsync(learning);
        await anomalies.WaitForAsync(patient.PatientId, AnomalyDetected.Parser, a => a.Detector == Detector.IidSpike, Timeout);

        await system.Cluster.RestartAsync("AnomalyDetection", Timeout, CancellationToken.None);
        await system.WaitForLineAsync(line => line.Contains("Restored detector state of", StringComparison.Ordinal) && !line.Contains("state of 0 ", StringComparison.Ordinal), Timeout);

        // A fresh detector could not alert before 120 new readings; a restored one knows this patient's normal.
        var secondSpike = patient.Reading(Readings.HeartRate, 20, "/min", start.AddSeconds(151));
        await ingestion.IngestAsync(new VitalSignBatch { Readings = { secondSpike } });
        var (after, _) = await anomalies.WaitForAsync(
            patient.PatientId, AnomalyDetected.Parser, a => a.Detector == Detector.IidSpike && a.Direction == Direction.Down, Timeout);

        Assert.InRange(after.BaselineMean, 69, 71);
        Assert.InRange(after.PersonalBaseline, 65, 80);
        Assert.Contains("down from", after.Explanation, StringComparison.Ordinal);
        // Nothing before the checkpoint was replayed: the first spike was detected exactly once.
        Assert.Single(anomalies.Seen(patient.PatientId, AnomalyDetected.Parser), a => a.SourceEventId == $"{patient.DeviceId}/{firstSpike.SequenceNumber}" && a.Detector == Detector.IidSpike);
    }
}
