using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using VitalTwin.DevHost;
using VitalTwin.Kafka;

namespace VitalTwin.Load.Measurement;

/// <summary>One consumer group's lag on one topic at one instant.</summary>
internal sealed record TopicLag(string Topic, long Lag, long Committed, long HighWatermark, int PartitionsBehindRetention);

/// <summary>A service's consumer group: its committed offsets against the high watermarks of what it reads.</summary>
internal sealed record ServiceLag(string Service, string GroupId, long Lag, IReadOnlyList<TopicLag> Topics);

/// <summary>
/// Consumer lag per service: the group's committed offsets (OffsetFetch, which the mock cluster serves) against
/// each partition's high watermark. Services store an offset only once its effects are durable, and
/// AnomalyDetection and TwinState only at their checkpoints (30 s by default), so committed lag includes up to
/// one checkpoint interval of processed events: it bounds how much a crash would replay, not how far behind
/// processing is (device-to-twin latency says that). A committed offset below a partition's low watermark means
/// the group fell further behind than the mock cluster keeps (about 5 MiB a partition) and skipped data.
/// </summary>
internal sealed class ConsumerLagSampler : IDisposable
{
    // The topics each service's consumers subscribe to (see each service's EventConsumer), and the file its
    // group id is configured in. The Gateway reads only the devices topic, at start, without a group.
    private static readonly (string Service, string Assembly, Func<KafkaTopics, string[]> Topics)[] Consumers =
    [
        ("AnomalyDetection", "VitalTwin.AnomalyDetection", t => [t.Telemetry]),
        ("TwinState", "VitalTwin.TwinState", t => [t.Telemetry, t.Anomalies]),
        ("Notification", "VitalTwin.Notification", t => [t.TwinEvents, t.Anomalies]),
    ];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly IAdminClient _admin;
    private readonly IConsumer<string, byte[]> _watermarks;
    private readonly int _partitions;
    private readonly IReadOnlyList<(string Service, string GroupId, string[] Topics)> _groups;

    public ConsumerLagSampler(LocalCluster cluster, int partitions)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _partitions = partitions;
        _groups = Consumers.Select(c => (c.Service, GroupIdOf(c.Assembly), c.Topics(cluster.Topics))).ToList();
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.Kafka.BootstrapServers }).Build();
        // Only asks for watermarks; never subscribes, so it never joins the group named here.
        _watermarks = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.Kafka.BootstrapServers,
            GroupId = $"vitaltwin-load-watermarks-{Guid.NewGuid():N}",
        }).Build();
    }

    public async Task<IReadOnlyList<ServiceLag>> SampleAsync(CancellationToken cancellationToken)
    {
        var lags = new List<ServiceLag>();
        foreach (var (service, groupId, topics) in _groups)
        {
            var partitions = topics.SelectMany(t => Enumerable.Range(0, _partitions).Select(p => new TopicPartition(t, p))).ToList();
            var offsets = await _admin.ListConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitions(groupId, partitions)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = Timeout });
            cancellationToken.ThrowIfCancellationRequested();
            var committed = offsets.Single().Partitions.ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
            var perTopic = new List<TopicLag>();
            foreach (var topic in topics)
            {
                long lag = 0, committedSum = 0, highSum = 0;
                var behindRetention = 0;
                foreach (var partition in partitions.Where(p => p.Topic == topic))
                {
                    var watermarks = _watermarks.QueryWatermarkOffsets(partition, Timeout);
                    var offset = committed.TryGetValue(partition, out var value) && value >= 0 ? value : watermarks.Low.Value;
                    if (offset < watermarks.Low.Value)
                    {
                        behindRetention++;
                    }
                    lag += Math.Max(0, watermarks.High.Value - offset);
                    committedSum += offset;
                    highSum += watermarks.High.Value;
                }
                perTopic.Add(new TopicLag(topic, lag, committedSum, highSum, behindRetention));
            }
            lags.Add(new ServiceLag(service, groupId, perTopic.Sum(t => t.Lag), perTopic));
        }
        return lags;
    }

    private static string GroupIdOf(string assembly)
    {
        var settings = Path.Combine(Path.GetDirectoryName(BuildOutput.Locate(assembly))!, "appsettings.json");
        using var document = JsonDocument.Parse(File.ReadAllText(settings));
        return document.RootElement.GetProperty("Kafka").GetProperty("GroupId").GetString()
            ?? throw new InvalidDataException($"{settings} names no Kafka:GroupId.");
    }

    public void Dispose()
    {
        _admin.Dispose();
        _watermarks.Dispose();
    }
}
