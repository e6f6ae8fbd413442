using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.TwinState.Core;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Durability;

/// <summary>
/// Twins on the compacted twins topic, co-partitioned with telemetry. Each checkpoint rewrites every twin of
/// the partition, so the newest copy of each stays near the end of the log (all the embedded Kafka keeps).
/// </summary>
internal sealed partial class KafkaTwinSnapshots(
    EventProducer producer,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    TimeProvider clock,
    ILogger<KafkaTwinSnapshots> logger) : ITwinSnapshots
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    public Task SaveAsync(int partition, IReadOnlyList<TwinSnapshot> twins, CancellationToken cancellationToken)
    {
        var takenAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        return Task.WhenAll(twins.Select(twin =>
        {
            var record = new TwinSnapshotRecord { PatientId = twin.PatientId, State = ByteString.CopyFrom(twin.ToBytes()), Partition = partition, TakenAt = takenAt };
            return producer.PublishAsync(topics.Value.Twins, twin.PatientId, record, $"{partition}/{takenAt.Seconds}.{takenAt.Nanos}", cancellationToken);
        }));
    }

    /// <summary>A tombstone: compaction drops the patient's earlier snapshots, and <see cref="LoadAsync"/> skips them until then.</summary>
    public Task EraseAsync(int partition, string patientId, CancellationToken cancellationToken) =>
        producer.PublishTombstoneAsync(topics.Value.Twins, patientId, cancellationToken);

    public Task<IReadOnlyList<TwinSnapshot>> LoadAsync(int partition, CancellationToken cancellationToken)
    {
        var stored = CompactedTopicReader.ReadLatest(kafka.Value, new TopicPartition(topics.Value.Twins, partition), TwinSnapshotRecord.Descriptor, ReadTimeout, cancellationToken);
        var latest = stored.Values.Select(value => TwinSnapshotRecord.Parser.ParseFrom(value.Span)).ToDictionary(r => r.PatientId, r => r.State, StringComparer.Ordinal);

        var twins = new List<TwinSnapshot>(latest.Count);
        foreach (var state in latest.Values)
        {
            try
            {
                twins.Add(TwinSnapshot.FromBytes(state.ToByteArray()));
            }
            catch (InvalidDataException)
            {
                LogDropped(logger, partition);
            }
        }
        return Task.FromResult<IReadOnlyList<TwinSnapshot>>(twins);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A twin snapshot in partition {Partition} could not be read; that twin is rebuilt from the readings still in Kafka")]
    private static partial void LogDropped(ILogger logger, int partition);
}
