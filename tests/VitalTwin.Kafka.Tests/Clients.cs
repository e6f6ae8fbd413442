using Confluent.Kafka;

namespace VitalTwin.Kafka.Tests;

/// <summary>Plain Confluent.Kafka clients, configured as an outside system would configure them.</summary>
internal static class Clients
{
    /// <summary>How long any test waits for a signal before it fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static ProducerConfig IdempotentProducer(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
    };

    public static ConsumerConfig Consumer(string bootstrapServers, string groupId) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
    };

    /// <summary>Reads <paramref name="topic"/> from the beginning in a group of its own until <paramref name="count"/> messages arrived.</summary>
    public static Task<IReadOnlyList<ConsumeResult<TKey, TValue>>> ReadAsync<TKey, TValue>(string bootstrapServers, string topic, int count) =>
        ConsumeAsync<TKey, TValue>(Consumer(bootstrapServers, Unique.Name("reader")), consumer => consumer.Subscribe(topic), count);

    /// <summary>
    /// Reads <paramref name="partitions"/> as a member of <paramref name="groupId"/> would, from its committed offsets,
    /// but assigned by hand rather than joining the group.
    /// </summary>
    public static Task<IReadOnlyList<ConsumeResult<TKey, TValue>>> ResumeAsync<TKey, TValue>(
        string bootstrapServers, string groupId, IEnumerable<TopicPartition> partitions, int count) =>
        ConsumeAsync<TKey, TValue>(Consumer(bootstrapServers, groupId), consumer => consumer.Assign(partitions), count);

    private static Task<IReadOnlyList<ConsumeResult<TKey, TValue>>> ConsumeAsync<TKey, TValue>(
        ConsumerConfig config, Action<IConsumer<TKey, TValue>> start, int count) =>
        Task.Factory.StartNew<IReadOnlyList<ConsumeResult<TKey, TValue>>>(
            () =>
            {
                using var consumer = new ConsumerBuilder<TKey, TValue>(config).Build();
                start(consumer);
                var received = new List<ConsumeResult<TKey, TValue>>();
                using var deadline = new CancellationTokenSource(Timeout);
                try
                {
                    while (received.Count < count)
                    {
                        received.Add(consumer.Consume(deadline.Token));
                    }
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"Read {received.Count} of {count} messages within {Timeout}.");
                }
                finally
                {
                    consumer.Close();
                }
                return received;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    public static long HighWatermark(string bootstrapServers, TopicPartition partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Consumer(bootstrapServers, Unique.Name("watermark"))).Build();
        return consumer.QueryWatermarkOffsets(partition, Timeout).High.Value;
    }
}
