using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Security;

namespace VitalTwin.Kafka;

/// <summary>
/// One consumer group's standing on one partition: its committed offset (negative when it has none) and the
/// partition's low and high watermarks (the oldest record kept and the offset the next record gets).
/// </summary>
public sealed record PartitionLag(string GroupId, int Partition, long Committed, long Low, long High)
{
    /// <summary>Records from where the group would resume (its committed offset, else the oldest kept) to the end.</summary>
    public long Lag => Math.Max(0, High - (Committed >= 0 ? Committed : Low));

    /// <summary>Records the partition keeps now.</summary>
    public long Retained => Math.Max(0, High - Low);

    /// <summary>Whether retention has dropped records of the partition: then <see cref="Retained"/> is what it keeps at most.</summary>
    public bool Trimmed => Low > 0;
}

/// <summary>
/// Reads consumer groups' committed offsets on a topic (OffsetFetch, which librdkafka's mock cluster serves too)
/// against the topic's watermarks, from outside the groups: a producer's view of how far its consumers are behind.
/// The committed offset is what counts, not the members' positions: it is where a restarted member resumes, so it is
/// what retention must not pass.
/// </summary>
public sealed class ConsumerGroupLag : IDisposable
{
    private readonly IAdminClient _admin;
    private readonly TimeSpan _timeout;

    public ConsumerGroupLag(IOptions<KafkaOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kafka = options.Value;
        _timeout = kafka.HealthCheckTimeout;
        _admin = new AdminClientBuilder(kafka.Connect(new AdminClientConfig { ClientId = kafka.ClientId })).Build();
    }

    /// <summary>Every partition of <paramref name="topic"/> for each of <paramref name="groupIds"/>.</summary>
    /// <exception cref="KafkaException">The cluster did not answer in time, or answered with an error.</exception>
    public async Task<IReadOnlyList<PartitionLag>> ReadAsync(string topic, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(groupIds);
        var metadata = _admin.GetMetadata(topic, _timeout).Topics.Single(t => t.Topic == topic);
        if (metadata.Error.IsError)
        {
            throw new KafkaException(metadata.Error);
        }
        var partitions = metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var options = new ListOffsetsOptions { RequestTimeout = _timeout };
        var low = await WatermarksAsync(partitions, OffsetSpec.Earliest(), options);
        cancellationToken.ThrowIfCancellationRequested();
        var high = await WatermarksAsync(partitions, OffsetSpec.Latest(), options);
        var lags = new List<PartitionLag>(partitions.Count * groupIds.Count);
        foreach (var groupId in groupIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // librdkafka asks for one group per request.
            var committed = (await _admin.ListConsumerGroupOffsetsAsync(
                    [new ConsumerGroupTopicPartitions(groupId, partitions)],
                    new ListConsumerGroupOffsetsOptions { RequestTimeout = _timeout }))
                .Single().Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
            lags.AddRange(partitions.Select(p => new PartitionLag(
                groupId, p.Partition.Value, committed.GetValueOrDefault(p.Partition.Value, Offset.Unset.Value), low[p.Partition.Value], high[p.Partition.Value])));
        }
        return lags;
    }

    private async Task<Dictionary<int, long>> WatermarksAsync(IEnumerable<TopicPartition> partitions, OffsetSpec spec, ListOffsetsOptions options)
    {
        var result = await _admin.ListOffsetsAsync(partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = spec }), options);
        return result.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.Partition.Value, r => r.TopicPartitionOffsetError.Offset.Value);
    }

    public void Dispose() => _admin.Dispose();
}
