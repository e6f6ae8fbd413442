using Google.Protobuf.WellKnownTypes;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// A monitor that missed its acknowledgement resends its batch to a Gateway that has since restarted and forgotten it:
/// the readings reach the telemetry topic a second time, and every consumer that changes state recognises them by
/// device, boot and sequence number. The anomaly detector restarts too, so what it recognises comes from its checkpoint.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ResendTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private const ulong Boot = 0x0b00_7000_0000_0015;
    // 150 s of a steady pulse fill the spike detector's 120-reading window; the 151st reading jumps away from it.
    private const int SteadySeconds = 150, BatchSize = SteadySeconds + 1;

    [Fact]
    public async Task Readings_resent_through_a_restarted_gateway_count_once_in_detectors_twin_history_and_alerts()
    {
        using var telemetry = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Telemetry);
        using var anomalies = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Anomalies);
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var patient = Readings.ForNewPatient("resend");
        await patient.RegisterAsync(new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway")));
        patient.Boot(Boot);
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var batch = new VitalSignBatch();
        for (var second = 0; second < SteadySeconds; second++)
        {
            batch.Readings.Add(patient.Reading(Readings.HeartRate, 70 + (second % 5) - 2, "/min", start.AddSeconds(second)));
        }
        batch.Readings.Add(patient.Reading(Readings.HeartRate, 150, "/min", start.AddSeconds(SteadySeconds)));
        var spikeId = $"{patient.DeviceId}/{Boot:x16}/{BatchSize}";

        await new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway")).IngestAsync(batch, patient.Credential);
        await anomalies.WaitForAsync(patient.PatientId, AnomalyDetected.Parser, a => a.SourceEventId == spikeId && a.Detector == Detector.IidSpike, Timeout);
        await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.VitalSpike && a.Key.Direction == Direction.Up, Timeout);

        await system.Cluster.RestartAsync("Gateway", Timeout, CancellationToken.None);
        await system.Cluster.RestartAsync("AnomalyDetection", Timeout, CancellationToken.None);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var resent = await ingestion.IngestAsync(batch, patient.Credential);
        // Then one new reading, a fall: once it has passed through, every consumer has read past the resend.
        var fall = patient.Reading(Readings.HeartRate, 20, "/min", start.AddSeconds(SteadySeconds + 1));
        await ingestion.IngestAsync(new VitalSignBatch { Readings = { fall } }, patient.Credential);

        Assert.Equal((uint)BatchSize, resent.Accepted);
        // The restarted Gateway forgot the batch: the topic holds every reading of it twice, so the consumers were put to the test.
        await telemetry.WaitForAsync(patient.PatientId, VitalSignsRecorded.Parser, r => r.Reading.SequenceNumber == fall.SequenceNumber, Timeout);
        Assert.Equal(2 * BatchSize + 1, telemetry.Seen(patient.PatientId, VitalSignsRecorded.Parser).Count);
        await anomalies.WaitForAsync(patient.PatientId, AnomalyDetected.Parser, a => a.Detector == Detector.IidSpike && a.Direction == Direction.Down, Timeout);
        await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.VitalSpike && a.Key.Direction == Direction.Down, Timeout);
        var twins = new TwinQuery.TwinQueryClient(system.Channel("TwinState"));
        var twin = await twins.WaitForTwinAsync(patient.PatientId, t => t.Vitals.Any(v => v.Code.Loinc == Readings.HeartRate.Loinc && v.Value == 20), Timeout);
        // History is written in batches, behind the twin: wait until it holds the fall too, then count.
        var history = await Polling.UntilAsync(
            cancellationToken => twins.GetVitalHistoryAsync(
                new GetVitalHistoryRequest
                {
                    PatientId = patient.PatientId,
                    From = Timestamp.FromDateTimeOffset(start),
                    To = Timestamp.FromDateTimeOffset(start.AddMinutes(3)),
                },
                cancellationToken: cancellationToken).ResponseAsync,
            h => h.Series.Any(series => series.Points.Any(point => point.Mean == 20)),
            Timeout);

        // Detectors: the spike was flagged once, by each detector that flags it.
        var flagged = anomalies.Seen(patient.PatientId, AnomalyDetected.Parser).Where(a => a.SourceEventId == spikeId).ToList();
        Assert.Single(flagged, a => a.Detector == Detector.IidSpike);
        Assert.Equal(flagged.Count, flagged.Select(a => a.EventId).Distinct().Count());
        // Twin and history: each reading once.
        Assert.Equal((ulong)BatchSize + 1, twin.ReadingsApplied);
        Assert.Equal(BatchSize + 1, Assert.Single(history.Series).Points.Count);
        // Alerts: the rise raised one alert, and no alert was raised twice.
        var raised = alerts.Seen(patient.PatientId, AlertRaised.Parser);
        Assert.Single(raised, a => a.Condition == AlertCondition.VitalSpike && a.Key.Direction == Direction.Up);
        Assert.Equal(raised.Count, raised.Select(a => a.AlertId).Distinct().Count());
    }
}
