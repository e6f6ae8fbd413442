using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.Core;

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
        await patient.RegisterAsync(devices);
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);

        // Learn a steady pulse, then spike: the first detection proves the running instance saw every reading.
        var learning = new VitalSignBatch();
        for (var second = 0; second < 150; second++)
        {
            learning.Readings.Add(patient.Reading(Readings.HeartRate, 70 + (second % 5) - 2, "/min", start.AddSeconds(second)));
        }
        var firstSpike = patient.Reading(Readings.HeartRate, 150, "/min", start.AddSeconds(150));
        learning.Readings.Add(firstSpike);
        await ingestion.IngestAsync(learning, patient.Credential);
        await anomalies.WaitForAsync(patient.PatientId, AnomalyDetected.Parser, a => a.Detector == Detector.IidSpike, Timeout);

        await system.Cluster.RestartAsync("AnomalyDetection", Timeout, CancellationToken.None);
        await system.WaitForLineAsync(line => line.Contains("Restored detector state of", StringComparison.Ordinal) && !line.Contains("state of 0 ", StringComparison.Ordinal), Timeout);

        // A fresh detector could not alert before 120 new readings; a restored one knows this patient's normal.
        var secondSpike = patient.Reading(Readings.HeartRate, 20, "/min", start.AddSeconds(151));
        await ingestion.IngestAsync(new VitalSignBatch { Readings = { secondSpike } }, patient.Credential);
        var (after, _) = await anomalies.WaitForAsync(
            patient.PatientId, AnomalyDetected.Parser, a => a.Detector == Detector.IidSpike && a.Direction == Direction.Down, Timeout);

        Assert.InRange(after.BaselineMean, 69, 71);
        Assert.InRange(after.PersonalBaseline, 65, 80);
        Assert.Contains("down from", after.Explanation, StringComparison.Ordinal);
        // Nothing before the checkpoint was replayed: the first spike was detected exactly once.
        Assert.Single(anomalies.Seen(patient.PatientId, AnomalyDetected.Parser), a => a.SourceEventId == $"{patient.DeviceId}/{firstSpike.SequenceNumber}" && a.Detector == Detector.IidSpike);
    }

    [Fact]
    public async Task Twins_rebuilt_after_a_crash_equal_an_uninterrupted_run()
    {
        using var snapshots = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Twins);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var catalogue = VitalCatalogue.Default;
        var patients = new List<Readings>();
        for (var i = 0; i < 3; i++)
        {
            var patient = Readings.ForNewPatient("crash");
            await patient.RegisterAsync(devices);
            patients.Add(patient);
        }
        // Recent readings (one every 2 s), so no vital is stale by the time the twins are compared.
        var start = DateTimeOffset.UtcNow.AddSeconds(-48);
        var batches = patients.ToDictionary(p => p.PatientId, p => Enumerable.Range(0, 24).Select(step => Deteriorating(p, start.AddSeconds(2 * step), step)).ToList());

        foreach (var patient in patients)
        {
            foreach (var batch in batches[patient.PatientId].Take(12))
            {
                await ingestion.IngestAsync(batch, patient.Credential);
            }
        }
        // A snapshot of every patient exists, then TwinState dies without flushing or committing anything.
        foreach (var patient in patients)
        {
            await snapshots.WaitForAsync(patient.PatientId, TwinSnapshotRecord.Parser, _ => true, Timeout);
        }
        await system.Cluster.RestartAsync("TwinState", Timeout, CancellationToken.None, crash: true);
        foreach (var patient in patients)
        {
            foreach (var batch in batches[patient.PatientId].Skip(12))
            {
                await ingestion.IngestAsync(batch, patient.Credential);
            }
        }

        var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
        foreach (var patient in patients)
        {
            var expected = new VitalTwin.TwinState.Core.PatientTwin(patient.PatientId, SystemFixture.Twin);
            foreach (var reading in batches[patient.PatientId].SelectMany(b => b.Readings))
            {
                catalogue.TryFind(reading.Code.Loinc, reading.Code.Mdc, out var definition);
                expected.Apply(new VitalObservation(definition!.Sign, reading.Value, reading.Unit, reading.ObservedAt.ToDateTimeOffset(), reading.DeviceId, reading.SequenceNumber));
            }
            var want = expected.Snapshot();
            var actual = await twins.WaitForTwinAsync(patient.PatientId, t => t.ReadingsApplied >= want.ReadingsApplied, Timeout);

            Assert.Equal(want.ReadingsApplied, actual.ReadingsApplied);
            Assert.Equal(want.News2.Total, actual.News2.Total);
            Assert.Equal(want.News2.SubScores.Select(s => s.Score), actual.News2.SubScores.Select(s => s.Score));
            Assert.Equal(
                want.Latest.Values.OrderBy(v => v.Sign).Select(v => (catalogue[v.Sign].Loinc, v.Value, v.SequenceNumber)),
                actual.Vitals.Select(v => (v.Code.Loinc, v.Value, SequenceOf(batches[patient.PatientId], v))));
        }
    }

    [Fact]
    public async Task A_restarted_gateway_still_knows_which_device_measures_whom_and_its_credential()
    {
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var patient = Readings.ForNewPatient("gateway-restart");
        await patient.RegisterAsync(devices);

        await system.Cluster.RestartAsync("Gateway", Timeout, CancellationToken.None);

        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var ack = await ingestion.IngestAsync(new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 72, "/min") } }, patient.Credential);
        Assert.Equal(1u, ack.Accepted);
        // The device itself, claiming to measure someone else.
        var impostor = new Readings($"e2e-other-{Guid.NewGuid():N}", patient.DeviceId);
        var refused = await ingestion.IngestAsync(new VitalSignBatch { Readings = { impostor.Reading(Readings.HeartRate, 72, "/min") } }, patient.Credential);
        Assert.Equal(RejectionReason.DevicePatientMismatch, Assert.Single(refused.Rejections).Reason);
    }

    private static VitalSignBatch Deteriorating(Readings patient, DateTimeOffset at, int minute) =>
        new()
        {
            Readings =
            {
                patient.Reading(Readings.HeartRate, 80 + (2 * minute), "/min", at),
                patient.Reading(Readings.OxygenSaturation, 98 - (minute / 4), "%", at),
                patient.Reading(Readings.RespiratoryRate, 14 + (minute / 2), "/min", at),
                patient.Reading(Readings.SystolicPressure, 125 - minute, "mm[Hg]", at),
                patient.Reading(Readings.Temperature, 37 + (minute * 0.08), "Cel", at),
            },
        };

    private static ulong SequenceOf(IEnumerable<VitalSignBatch> batches, LatestVital vital) =>
        batches.SelectMany(b => b.Readings).Last(r => r.Code.Loinc == vital.Code.Loinc && r.Value == vital.Value && r.ObservedAt.Equals(vital.ObservedAt)).SequenceNumber;
}
