using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Kafka;

/// <summary>
/// Notices a consumer going past records it never handled because retention dropped them first. That happens when a
/// group falls further behind than the cluster keeps (librdkafka's mock cluster keeps about 5 MiB a partition; a real
/// cluster keeps what <c>retention.ms</c>/<c>retention.bytes</c> allow): the committed offset or the fetch position
/// is then older than the partition's oldest record, the fetch fails out of range, and <c>auto.offset.reset</c>
/// moves the consumer to the oldest record kept. Resuming there is the best left to do, so the reset stays on; this
/// makes it loud. Every partition's next expected offset is its committed offset when assigned, then the offset after
/// the last record consumed; a record further on is a gap. Compaction and transaction markers leave gaps as well, so
/// a gap counts as a loss only when the expected offset lies below the partition's low watermark, asked for then.
/// Used on the consuming thread only.
/// </summary>
internal sealed partial class SkippedRecords(string groupId, KafkaMetrics metrics, ILogger logger)
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);

    // The offset each partition's next record should have; absent until the first record after its assignment.
    private readonly Dictionary<TopicPartition, long> _next = [];

    /// <summary>Forgets what was expected of partitions taken away (or lost): when they come back they start from the committed offset.</summary>
    public void Released(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _next.Remove(partition);
        }
    }

    /// <summary>Checks <paramref name="result"/>, before it is handled, against the offset expected next on its partition.</summary>
    public void Consumed(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> result)
    {
        var partition = result.TopicPartition;
        var offset = result.Offset.Value;
        if (!_next.TryGetValue(partition, out var expected))
        {
            // Nothing of it handled since it was assigned: what the group committed is where it should have resumed.
            expected = Committed(consumer, partition);
        }
        _next[partition] = offset + 1;
        if (expected < 0 || offset <= expected)
        {
            return;
        }
        var low = LowWatermark(consumer, partition);
        if (low > expected)
        {
            LogSkipped(logger, groupId, partition.Topic, partition.Partition.Value, expected, offset - 1, offset - expected);
            metrics.ReportSkipped(groupId, partition, offset - expected);
        }
    }

    /// <summary>The group's committed offset of <paramref name="partition"/>; negative when it has none or it cannot be read.</summary>
    private long Committed(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        try
        {
            return consumer.Committed([partition], QueryTimeout).Single().Offset.Value;
        }
        catch (KafkaException ex)
        {
            LogNotChecked(logger, groupId, partition.Topic, partition.Partition.Value, ex.Error.Code);
            return Offset.Unset.Value;
        }
    }

    private long LowWatermark(IConsumer<string, byte[]> consumer, TopicPartition partition)
    {
        try
        {
            return consumer.QueryWatermarkOffsets(partition, QueryTimeout).Low.Value;
        }
        catch (KafkaException ex)
        {
            LogNotChecked(logger, groupId, partition.Topic, partition.Partition.Value, ex.Error.Code);
            return Offset.Unset.Value;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Consumer group {Group} skipped {Count} records of {Topic}[{Partition}] (offsets {From} to {To}): retention dropped them before the group handled them, so it resumed at the oldest record kept. The group is further behind than the topic keeps")]
    private static partial void LogSkipped(ILogger logger, string group, string topic, int partition, long from, long to, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer group {Group} could not check {Topic}[{Partition}] for skipped records ({Code})")]
    private static partial void LogNotChecked(ILogger logger, string group, string topic, int partition, ErrorCode code);
}
