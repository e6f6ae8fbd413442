using Confluent.Kafka;
using Google.Protobuf.Reflection;
using VitalTwin.Kafka.Security;

namespace VitalTwin.Kafka;

/// <summary>
/// Reads a partition of a state topic from its start to its current end: how a service rebuilds state (the
/// newest value per key of a compacted topic, or every event in order) when it starts or is given a partition.
/// </summary>
public static class CompactedTopicReader
{
    /// <summary>
    /// The newest value of <paramref name="schema"/> per key: a compacted topic's state. A tombstone deletes its key,
    /// as compaction eventually will (the embedded cluster never compacts), so an erased key does not come back.
    /// </summary>
    public static IReadOnlyDictionary<string, ReadOnlyMemory<byte>> ReadLatest(
        KafkaOptions kafka,
        TopicPartition partition,
        MessageDescriptor schema,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var latest = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        ReadToEnd(kafka, partition, timeout, consumed =>
        {
            if (consumed.Is(schema))
            {
                latest[consumed.Key] = consumed.Value;
            }
            else if (consumed.IsTombstone)
            {
                latest.Remove(consumed.Key);
            }
        }, cancellationToken);
        return latest;
    }

    /// <summary>Hands every event of <paramref name="schema"/> in the partition, in order, to <paramref name="onEvent"/>.</summary>
    public static void ReadToEnd(
        KafkaOptions kafka,
        TopicPartition partition,
        MessageDescriptor schema,
        TimeSpan timeout,
        Action<string, byte[]> onEvent,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(onEvent);
        ReadToEnd(kafka, partition, timeout, consumed =>
        {
            if (consumed.Is(schema))
            {
                onEvent(consumed.Key, consumed.Result.Message.Value);
            }
        }, cancellationToken);
    }

    /// <summary>Hands every event in the partition, in order, to <paramref name="onEvent"/>, whatever its schema.</summary>
    public static void ReadToEnd(
        KafkaOptions kafka,
        TopicPartition partition,
        TimeSpan timeout,
        Action<ConsumedEvent> onEvent,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(onEvent);
        ArgumentNullException.ThrowIfNull(kafka);
        var config = kafka.Connect(new ConsumerConfig
        {
            // Required by the client, never joined: the partition is assigned by hand and nothing is committed.
            GroupId = $"vitaltwin-restore-{partition.Topic}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        });
        using var reader = new ConsumerBuilder<string, byte[]>(config).Build();
        var watermarks = reader.QueryWatermarkOffsets(partition, timeout);
        if (watermarks.High <= watermarks.Low)
        {
            return;
        }
        reader.Assign(new TopicPartitionOffset(partition, watermarks.Low));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var result = reader.Consume(deadline.Token);
            if (result.Message is not null)
            {
                onEvent(new ConsumedEvent(result));
            }
            if (result.Offset.Value >= watermarks.High - 1)
            {
                return;
            }
        }
    }

    /// <summary>The topic's partitions, from the cluster's metadata.</summary>
    public static IReadOnlyList<TopicPartition> Partitions(KafkaOptions kafka, string topic, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        using var admin = new AdminClientBuilder(kafka.Connect(new AdminClientConfig())).Build();
        var metadata = admin.GetMetadata(topic, timeout);
        return metadata.Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }
}
