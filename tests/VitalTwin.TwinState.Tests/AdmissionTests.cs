using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// New patients against the embedded Kafka whose every answer takes <see cref="RoundTrip"/>: each first reading
/// announces the patient's NEWS2 on the twin-events topic, and the next patient's reading must not wait for that
/// delivery. Awaited one by one, <see cref="Patients"/> first readings would take at least Patients × RoundTrip,
/// well past the patience of <see cref="Eventually"/>; handed over in order, they take a few round trips.
/// </summary>
public sealed class AdmissionTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const int Patients = 40;
    private static readonly TimeSpan RoundTrip = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task New_patients_first_readings_are_applied_without_waiting_for_each_announcement_and_every_announcement_is_delivered_in_order()
    {
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, $"test-twin-state-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            // A checkpoint waits for the deliveries; none is due during the test, so only the readings' own path counts.
            ["TwinState:Durability:CheckpointInterval"] = "00:30:00",
            // NEWS2 scores each reading at once, so every first reading announces one.
            ["News2:Hold"] = "00:00:00",
            ["News2:WindowReadings"] = "1",
            ["News2:WindowMinReadings"] = "1",
        });
        var patients = Enumerable.Range(0, Patients).Select(i => $"patient-admitted-{i:D2}").ToList();
        var now = DateTimeOffset.UtcNow;
        SetRoundTrip(RoundTrip);
        try
        {
            var producer = server.Services.GetRequiredService<EventProducer>();
            await Task.WhenAll(patients.Select(patient => PublishAsync(producer, topics, patient, sequence: 1, 130, now)));
            await Eventually.TrueAsync(() => patients.All(patient => server.ReadingsApplied(patient) == 1), $"all {Patients} first readings applied");
        }
        finally
        {
            SetRoundTrip(TimeSpan.Zero);
        }

        // A second reading each, scoring differently: its announcement must follow the first one's on the topic.
        var producerAgain = server.Services.GetRequiredService<EventProducer>();
        await Task.WhenAll(patients.Select(patient => PublishAsync(producerAgain, topics, patient, sequence: 2, 72, now.AddSeconds(1))));
        await Eventually.TrueAsync(() => patients.All(patient => server.ReadingsApplied(patient) == 2), "all second readings applied");
        // A graceful stop checkpoints, which waits for every delivery.
        await server.StopAsync();

        var announced = AuditTopic.Read(cluster.Kafka.BootstrapServers, topics.TwinEvents)
            .Where(record => record.Schema == TwinNews2Changed.Descriptor.FullName)
            .Select(record => (record.Key, Changed: TwinNews2Changed.Parser.ParseFrom(record.Value)))
            .ToList();
        foreach (var patient in patients)
        {
            var ofPatient = announced.Where(record => record.Key == patient).Select(record => record.Changed.EventId).ToList();
            Assert.Equal([$"monitor-{patient}/1/news2", $"monitor-{patient}/2/news2"], ofPatient);
        }
    }

    private void SetRoundTrip(TimeSpan roundTrip)
    {
        for (var broker = 1; broker <= cluster.Kafka.BrokerCount; broker++)
        {
            cluster.Kafka.SetBrokerRoundTrip(broker, roundTrip);
        }
    }

    private static Task PublishAsync(EventProducer producer, KafkaTopics topics, string patientId, ulong sequence, double heartRate, DateTimeOffset observedAt)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"monitor-{patientId}/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = patientId,
                DeviceId = $"monitor-{patientId}",
                SequenceNumber = sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
                Code = new VitalCode { Loinc = "8867-4" },
                Value = heartRate,
                Unit = "/min",
            },
        };
        return producer.PublishAsync(topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }
}
