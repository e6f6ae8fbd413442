using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class PipelineTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly VitalSignIngestion.VitalSignIngestionClient _ingestion = new(system.Channel("Gateway"));
    private readonly DeviceRegistry.DeviceRegistryClient _devices = new(system.Channel("Gateway"));
    private readonly TwinQuery.TwinQueryClient _twins = new(system.Channel("TwinState"));

    [Fact]
    public async Task Readings_sent_to_the_gateway_reach_the_patients_twin()
    {
        var patient = await RegisteredPatientAsync("twin");

        var ack = await _ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8), patient.Credential);

        Assert.Equal(5u, ack.Accepted);
        Assert.Equal(0u, ack.Rejected);
        var twin = await WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 5);
        Assert.Equal(72, twin.Vitals.Single(v => v.Code.Loinc == "8867-4").Value);
        Assert.Equal("mm[Hg]", twin.Vitals.Single(v => v.Code.Loinc == "8480-6").Unit);
        Assert.Equal("MDC_TEMP_BODY", twin.Vitals.Single(v => v.Code.Loinc == "8310-5").Code.Mdc);
        Assert.Equal(0, twin.News2.Total);
        Assert.True(twin.News2.Complete);
        Assert.Equal(News2Risk.Low, twin.News2.Risk);
    }

    [Fact]
    public async Task Units_are_normalised_and_resent_readings_are_applied_once()
    {
        var patient = await RegisteredPatientAsync("normalise");
        var fahrenheit = patient.Reading(Readings.Temperature, 102.2, "[degF]");
        var batch = new VitalSignBatch { Readings = { fahrenheit } };

        await _ingestion.IngestAsync(batch, patient.Credential);
        await _ingestion.IngestAsync(batch, patient.Credential); // a device that missed the ack sends the same reading again
        var marker = patient.Reading(Readings.HeartRate, 80, "/min");
        await _ingestion.IngestAsync(new VitalSignBatch { Readings = { marker } }, patient.Credential);

        var twin = await WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 2);
        var temperature = twin.Vitals.Single(v => v.Code.Loinc == "8310-5");
        Assert.Equal(39.0, temperature.Value, precision: 9);
        Assert.Equal("Cel", temperature.Unit);
        Assert.Equal(2ul, twin.ReadingsApplied);
    }

    [Fact]
    public async Task A_deteriorating_patient_raises_an_alert_on_the_alerts_topic()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var patient = await RegisteredPatientAsync("deteriorating");

        using (var stream = _ingestion.IngestStream(patient.Credential))
        {
            await stream.RequestStream.WriteAsync(patient.Vitals(heartRate: 78, spo2: 97, respiratoryRate: 15, systolic: 124, temperature: 36.9));
            await stream.RequestStream.WriteAsync(patient.Vitals(heartRate: 104, spo2: 94, respiratoryRate: 21, systolic: 108, temperature: 38.2));
            await stream.RequestStream.WriteAsync(patient.Vitals(heartRate: 128, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: 39.2));
            await stream.RequestStream.CompleteAsync();
            var ack = await stream.ResponseAsync;
            Assert.Equal(15u, ack.Accepted);
        }

        var (alert, headers) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        Assert.Equal(AlertPriority.High, alert.Priority);
        Assert.True(alert.News2Total >= 7);
        Assert.Contains(alert.Reasons, r => r.Code?.Loinc == "8867-4" && r.Value == 128 && r.Text.Contains("128", StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(alert.AlertId));
        Assert.True(headers.TryGetLastBytes(EventHeaders.Schema, out var schema));
        Assert.Equal("vitaltwin.alerting.v1.AlertRaised", System.Text.Encoding.UTF8.GetString(schema));
        Assert.True(headers.TryGetLastBytes("traceparent", out _), "alerts carry the W3C trace context");
    }

    [Fact]
    public async Task A_spike_against_the_patients_own_recent_values_is_detected_and_alerted()
    {
        using var anomalies = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Anomalies);
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var patient = await RegisteredPatientAsync("spike");
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var batch = new VitalSignBatch();
        // 150 s of a steady pulse (the detector needs its 120-reading window full), then a jump to 150.
        for (var second = 0; second < 150; second++)
        {
            batch.Readings.Add(patient.Reading(Readings.HeartRate, 70 + (second % 5) - 2, "/min", start.AddSeconds(second)));
        }
        var spike = patient.Reading(Readings.HeartRate, 150, "/min", start.AddSeconds(150));
        batch.Readings.Add(spike);

        await _ingestion.IngestAsync(batch, patient.Credential);

        var (anomaly, _) = await anomalies.WaitForAsync(patient.PatientId, AnomalyDetected.Parser, _ => true, Timeout);
        Assert.Equal(spike.SequenceNumber, ulong.Parse(anomaly.SourceEventId.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Detector.IidSpike, anomaly.Detector);
        Assert.Equal(Direction.Up, anomaly.Direction);
        Assert.Equal(150, anomaly.Value);
        Assert.InRange(anomaly.BaselineMean, 69, 71);
        Assert.True(anomaly.PValue <= 0.001);
        var (alert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.VitalSpike, Timeout);
        // 150 /min scores 3 in NEWS2: a spike into that band asks for a prompt response.
        Assert.Equal(AlertPriority.Medium, alert.Priority);
        Assert.Equal(anomaly.EventId, alert.SourceEventId);
        Assert.Equal(AlertCondition.VitalSpike, alert.Key.Condition);
        Assert.Equal(Direction.Up, alert.Key.Direction);
        Assert.Equal(Readings.HeartRate.Loinc, alert.Key.Code.Loinc);
    }

    [Fact]
    public async Task Invalid_readings_are_rejected_with_their_reason_and_kept_on_the_rejected_topic_unless_another_device_sent_them()
    {
        using var rejectedTopic = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.TelemetryRejected);
        var patient = await RegisteredPatientAsync("rejects");
        var otherDevice = new Readings(patient.PatientId, $"e2e-unregistered-{Guid.NewGuid():N}");
        var malformed = patient.Reading(Readings.HeartRate, 70, "/min");
        malformed.ObservedAt = null;
        var batch = new VitalSignBatch
        {
            Readings =
            {
                patient.Reading(Readings.HeartRate, 72, "/min"),
                patient.Reading(Readings.HeartRate, 900, "/min"),
                patient.Reading(Readings.Temperature, 37, "degrees"),
                otherDevice.Reading(Readings.HeartRate, 70, "/min"),
                malformed,
                patient.Reading(new VitalCode { Loinc = "0000-0" }, 1, "1"),
            },
        };

        var ack = await _ingestion.IngestAsync(batch, patient.Credential);

        Assert.Equal(1u, ack.Accepted);
        Assert.Equal(5u, ack.Rejected);
        Assert.Equal(
            [RejectionReason.OutOfRange, RejectionReason.UnknownUnit, RejectionReason.DeviceMismatch, RejectionReason.Malformed, RejectionReason.UnknownVital],
            ack.Rejections.OrderBy(r => r.Index).Select(r => r.Reason));
        Assert.Equal([1u, 2u, 3u, 4u, 5u], ack.Rejections.Select(r => r.Index).Order());
        // A reading naming another device than the caller's came from someone else's device: it is published nowhere.
        foreach (var rejection in ack.Rejections.Where(r => r.Reason != RejectionReason.DeviceMismatch))
        {
            var (rejected, _) = await rejectedTopic.WaitForAsync(
                patient.PatientId, ReadingRejected.Parser, r => r.Reading.SequenceNumber == rejection.SequenceNumber && r.Reading.DeviceId == rejection.DeviceId, Timeout);
            Assert.Equal(rejection.Reason, rejected.Reason);
            Assert.False(string.IsNullOrEmpty(rejected.Detail));
        }
        var (outOfRange, _) = await rejectedTopic.WaitForAsync(patient.PatientId, ReadingRejected.Parser, r => r.Reason == RejectionReason.OutOfRange, Timeout);
        Assert.Equal(900, outOfRange.Reading.Value); // kept as received: nothing a device sent is lost
        // Published in order on the patient's partition: the others are there, the other device's reading is not.
        Assert.DoesNotContain(rejectedTopic.Seen(patient.PatientId, ReadingRejected.Parser), r => r.Reading.DeviceId == otherDevice.DeviceId);
    }

    [Fact]
    public async Task Ingest_without_the_devices_credential_is_unauthenticated_and_reaches_no_twin()
    {
        var patient = await RegisteredPatientAsync("no-credential");
        var stranger = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var other = Readings.ForNewPatient("no-credential-other");
        await other.RegisterAsync(stranger);

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => _ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8)).ResponseAsync);
        var borrowed = await Assert.ThrowsAsync<RpcException>(() => _ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8), [new Metadata.Entry("authorization", $"Bearer {system.StaffToken}")]).ResponseAsync);
        var othersCredential = await _ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8), other.Credential);
        var marker = patient.Reading(Readings.HeartRate, 81, "/min");
        await _ingestion.IngestAsync(new VitalSignBatch { Readings = { marker } }, patient.Credential);

        Assert.Equal((StatusCode.Unauthenticated, StatusCode.Unauthenticated), (anonymous.StatusCode, borrowed.StatusCode));
        Assert.Equal((0u, 5u), (othersCredential.Accepted, othersCredential.Rejected));
        Assert.All(othersCredential.Rejections, r => Assert.Equal(RejectionReason.DeviceMismatch, r.Reason));
        var twin = await WaitForTwinAsync(patient.PatientId, t => t.ReadingsApplied >= 1);
        Assert.Equal(1ul, twin.ReadingsApplied);
        Assert.Equal(81, Assert.Single(twin.Vitals).Value);
    }

    [Fact]
    public async Task Readings_from_a_device_bound_to_another_patient_are_rejected()
    {
        var patient = await RegisteredPatientAsync("mismatch");
        var impostor = new Readings($"e2e-other-{Guid.NewGuid():N}", patient.DeviceId);

        // The device itself, claiming to measure someone else.
        var ack = await _ingestion.IngestAsync(new VitalSignBatch { Readings = { impostor.Reading(Readings.HeartRate, 70, "/min") } }, patient.Credential);

        Assert.Equal(RejectionReason.DevicePatientMismatch, Assert.Single(ack.Rejections).Reason);
    }

    [Fact]
    public async Task Ingest_is_acknowledged_after_kafka_recovers_from_produce_errors()
    {
        var patient = await RegisteredPatientAsync("faults");
        system.Cluster.Kafka.PushRequestErrors(KafkaApi.Produce, Confluent.Kafka.ErrorCode.NotLeaderForPartition, Confluent.Kafka.ErrorCode.RequestTimedOut);

        var ack = await _ingestion.IngestAsync(new VitalSignBatch { Readings = { patient.Reading(Readings.RespiratoryRate, 16, "/min") } }, patient.Credential);

        Assert.Equal(1u, ack.Accepted);
        var twin = await WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 1);
        Assert.Equal(16, twin.Vitals[0].Value);
    }

    [Fact]
    public async Task Twin_query_validates_input_and_pages()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await _twins.GetTwinAsync(new GetTwinRequest { PatientId = $"e2e-nobody-{Guid.NewGuid():N}" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var empty = await Assert.ThrowsAsync<RpcException>(async () => await _twins.GetTwinAsync(new GetTwinRequest()));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);

        var patients = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var patient = await RegisteredPatientAsync("paging");
            await _ingestion.IngestAsync(new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 70, "/min") } }, patient.Credential);
            patients.Add(patient.PatientId);
        }
        foreach (var id in patients)
        {
            await WaitForTwinAsync(id, _ => true);
        }

        var seen = new List<string>();
        var token = string.Empty;
        do
        {
            var page = await _twins.ListTwinsAsync(new ListTwinsRequest { PageSize = 2, PageToken = token });
            Assert.True(page.Twins.Count <= 2);
            seen.AddRange(page.Twins.Select(t => t.PatientId));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Subset(seen.ToHashSet(), patients.ToHashSet());
    }

    [Fact]
    public async Task Services_answer_server_reflection()
    {
        var reflection = new ServerReflection.ServerReflectionClient(system.Channel("TwinState"));
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("vitaltwin.twin.v1.TwinQuery", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    private async Task<Readings> RegisteredPatientAsync(string test)
    {
        var patient = Readings.ForNewPatient(test);
        await patient.RegisterAsync(_devices);
        return patient;
    }

    private Task<PatientTwin> WaitForTwinAsync(string patientId, Func<PatientTwin, bool> ready) =>
        _twins.WaitForTwinAsync(patientId, ready, Timeout);
}
