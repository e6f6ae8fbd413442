using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Confluent.Kafka;

namespace VitalTwin.Kafka;

/// <summary>
/// The consumer loop's metrics: how far each consumer is behind the end of each of its partitions, how many
/// events it had to dead-letter, how many errors its polls returned, and how many records it never handled because
/// they were gone from the partition before it got to them. Tags follow OpenTelemetry's messaging
/// conventions; none carries a key or payload.
/// </summary>
public sealed class KafkaMetrics
{
    public const string MeterName = "VitalTwin.Kafka";

    public const string ConsumerLag = "vitaltwin.kafka.consumer.lag";
    public const string DeadLettered = "vitaltwin.kafka.consumer.dead_lettered";
    public const string ConsumeErrors = "vitaltwin.kafka.consumer.errors";
    public const string Skipped = "vitaltwin.kafka.consumer.skipped";

    private readonly ConcurrentDictionary<(string Group, string Topic, int Partition), long> _lag = new();
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _consumeErrors;
    private readonly Counter<long> _skipped;

    public KafkaMetrics(IMeterFactory meters)
        : this((meters ?? throw new ArgumentNullException(nameof(meters))).Create(MeterName))
    {
    }

    internal KafkaMetrics(Meter meter)
    {
        meter.CreateObservableGauge(
            ConsumerLag,
            ObserveLag,
            "{message}",
            "Events in a partition after the last one this consumer group's member handled (high watermark minus position).");
        _deadLettered = meter.CreateCounter<long>(
            DeadLettered, "{message}", "Events a handler could not process, written to the dead-letter topic; error.type is the exception type.");
        _consumeErrors = meter.CreateCounter<long>(
            ConsumeErrors, "{error}", "Errors a consumer's poll returned instead of an event; error.type is librdkafka's error code.");
        _skipped = meter.CreateCounter<long>(
            Skipped,
            "{message}",
            "Offsets a consumer group went past without handling them, because retention had dropped them (its committed offset or position was older than anything the partition kept).");
    }

    internal void ReportLag(string groupId, TopicPartition partition, long lag) =>
        _lag[(groupId, partition.Topic, partition.Partition.Value)] = Math.Max(0, lag);

    internal void ForgetLag(string groupId, IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _lag.TryRemove((groupId, partition.Topic, partition.Partition.Value), out _);
        }
    }

    internal void ForgetLag(string groupId)
    {
        foreach (var key in _lag.Keys.Where(k => k.Group == groupId))
        {
            _lag.TryRemove(key, out _);
        }
    }

    internal void ReportDeadLettered(string groupId, string topic, Exception error) =>
        _deadLettered.Add(
            1,
            new KeyValuePair<string, object?>("messaging.consumer.group.name", groupId),
            new KeyValuePair<string, object?>("messaging.destination.name", topic),
            new KeyValuePair<string, object?>("error.type", error.GetType().FullName));

    internal void ReportConsumeError(string groupId, ErrorCode code) =>
        _consumeErrors.Add(
            1,
            new KeyValuePair<string, object?>("messaging.consumer.group.name", groupId),
            new KeyValuePair<string, object?>("error.type", code.ToString()));

    internal void ReportSkipped(string groupId, TopicPartition partition, long count) =>
        _skipped.Add(
            count,
            new KeyValuePair<string, object?>("messaging.consumer.group.name", groupId),
            new KeyValuePair<string, object?>("messaging.destination.name", partition.Topic),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", partition.Partition.Value.ToString(CultureInfo.InvariantCulture)));

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _lag.Select(entry => new Measurement<long>(
            entry.Value,
            new KeyValuePair<string, object?>("messaging.consumer.group.name", entry.Key.Group),
            new KeyValuePair<string, object?>("messaging.destination.name", entry.Key.Topic),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", entry.Key.Partition.ToString(CultureInfo.InvariantCulture))));
}
