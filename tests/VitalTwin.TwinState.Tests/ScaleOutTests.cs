using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.TwinState.Core;
using AnomalyKind = VitalTwin.Contracts.Anomaly.V1.AnomalyKind;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>Several TwinState replicas in one consumer group, against the embedded Kafka over TCP.</summary>
public sealed class ScaleOutTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const int Partitions = 6;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task With_three_replicas_a_patients_readings_and_anomalies_reach_the_one_replica_holding_the_twin()
    {
        var topics = cluster.CreateTopics(Partitions);
        var clock = new FakeTimeProvider(Readings.Start);
        // One group; the mock holds a rebalance until every member rejoined or timed out, so a short session timeout.
        var group = new Dictionary<string, string?> { ["Kafka:GroupId"] = $"test-twin-state-{Guid.NewGuid():N}", ["Kafka:SessionTimeout"] = "00:00:06" };
        var replicas = new List<IHost>();
        try
        {
            // One after the other, each given its partitions before the next joins: the group rebalances at each join.
            for (var i = 0; i < 3; i++)
            {
                var replica = cluster.BuildTwinState(topics, group, clock);
                replicas.Add(replica);
                await replica.StartAsync(CancellationToken.None);
                await replica.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout);
            }
            var patients = Enumerable.Range(1, 4 * Partitions).Select(n => $"patient-scaled-{n}").ToList();
            var producer = replicas[0].Services.GetRequiredService<EventProducer>();
            foreach (var patientId in patients)
            {
                await PublishReadingAsync(producer, topics, patientId);
                await PublishAnomalyAsync(producer, topics, patientId);
            }

            // Split, the anomaly would make a second twin on the replica holding the anomaly's partition but not the readings'.
            await Eventually.TrueAsync(
                () => patients.All(patientId => TwinsOf(replicas, patientId) is [{ AnomaliesSeen: 1 } twin] && twin.Latest.ContainsKey(VitalSign.HeartRate)),
                "every patient's reading and anomaly in one twin, on one replica");
            Assert.True(replicas.Count(replica => replica.Services.GetRequiredService<TwinRegistry>().Count > 0) > 1, "The patients are spread over the replicas.");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.StopAsync(CancellationToken.None);
                replica.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_replica_dropped_from_its_group_does_not_keep_the_twins_of_its_lost_partitions_but_rebuilds_them()
    {
        var topics = cluster.CreateTopics(Partitions);
        var clock = new FakeTimeProvider(Readings.Start);
        var replica = cluster.BuildTwinState(topics, new Dictionary<string, string?> { ["Kafka:SessionTimeout"] = "00:00:06" }, clock);
        await replica.StartAsync(CancellationToken.None);
        try
        {
            await replica.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout);
            var registry = replica.Services.GetRequiredService<TwinRegistry>();
            const string patientId = "patient-on-a-lost-partition";
            await PublishReadingAsync(replica.Services.GetRequiredService<EventProducer>(), topics, patientId);
            PatientTwin? before = null;
            await Eventually.TrueAsync(() => registry.TryGet(patientId, out before), "the twin made");

            // The coordinator no longer knows the member: another replica may hold the partition and change the patient
            // meanwhile, so the twin held here must not survive; given the partition again, it is restored and replayed.
            cluster.Kafka.PushRequestErrors(KafkaApi.Heartbeat, ErrorCode.UnknownMemberId);

            await Eventually.TrueAsync(
                () => registry.TryGet(patientId, out var after) && !ReferenceEquals(after, before) && after!.Snapshot().Latest.ContainsKey(VitalSign.HeartRate),
                "the twin rebuilt after the partition was lost and given again");
        }
        finally
        {
            await replica.StopAsync(CancellationToken.None);
            replica.Dispose();
        }
    }

    private static List<TwinSnapshot> TwinsOf(IEnumerable<IHost> replicas, string patientId) =>
        [.. replicas
            .Select(replica => replica.Services.GetRequiredService<TwinRegistry>().TryGet(patientId, out var twin) ? twin!.Snapshot() : null)
            .OfType<TwinSnapshot>()];

    private static Task PublishReadingAsync(EventProducer producer, KafkaTopics topics, string patientId)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"monitor-{patientId}/1",
            Reading = new VitalSignReading
            {
                PatientId = patientId,
                DeviceId = $"monitor-{patientId}",
                SequenceNumber = 1,
                ObservedAt = Timestamp.FromDateTimeOffset(Readings.Start),
                Code = new VitalCode { Loinc = "8867-4" },
                Value = 72,
                Unit = "/min",
            },
        };
        return producer.PublishAsync(topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }

    private static Task PublishAnomalyAsync(EventProducer producer, KafkaTopics topics, string patientId)
    {
        var detected = new AnomalyDetected
        {
            EventId = $"anomaly-{patientId}",
            PatientId = patientId,
            Code = new VitalCode { Loinc = "8867-4" },
            Value = 140,
            Unit = "/min",
            ObservedAt = Timestamp.FromDateTimeOffset(Readings.Start.AddSeconds(1)),
            Kind = AnomalyKind.Spike,
            Detector = Detector.IidSpike,
            Direction = Direction.Up,
            DeviceId = $"monitor-{patientId}",
        };
        return producer.PublishAsync(topics.Anomalies, patientId, detected, detected.EventId, CancellationToken.None);
    }
}
