using Confluent.Kafka;
using Google.Protobuf.Reflection;

namespace VitalTwin.Kafka;

/// <summary>
/// Reads one partition of a compacted state topic from its start to its current end and keeps the newest
/// value per key: how a service rebuilds a partition's state when the partition is assigned to it.
/// </summary>
public static class CompactedTopicReader
{
    public static IReadOnlyDictionary<string, byte[]> ReadLatest(
        string bootstrapServers,
        TopicPartition partition,
        MessageDescriptor schema,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(schema);
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            // Required by the client, never joined: the partition is assigned by hand and nothing is committed.
            GroupId = $"vitaltwin-restore-{partition.Topic}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        using var reader = new ConsumerBuilder<string, byte[]>(config).Build();
        var watermarks = reader.QueryWatermarkOffsets(partition, timeout);
        var latest = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (watermarks.High <= watermarks.Low)
        {
            return latest;
        }
        reader.Assign(new TopicPartitionOffset(partition, watermarks.Low));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var result = reader.Consume(deadline.Token);
            if (result.Message is not null && new ConsumedEvent(result).Is(schema))
            {
                latest[result.Message.Key] = result.Message.Value;
            }
            if (result.Offset.Value >= watermarks.High - 1)
            {
                return latest;
            }
        }
    }
}
