using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Consent;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Security;

namespace VitalTwin.Export.Consent;

/// <summary>Reads the whole consent topic, every partition from its start to its current end, into a <see cref="ResearchCohort"/>.</summary>
internal sealed class ConsentTopicReader(
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IOptions<ExportOptions> options,
    TimeProvider time,
    ILogger<ConsentTopicReader> logger)
{
    /// <exception cref="ExportException">Kafka did not answer in time, or the topic does not exist.</exception>
    public (ResearchCohort Cohort, int Partitions) Read(CancellationToken ct)
    {
        var connection = kafka.Value;
        var bootstrap = connection.BootstrapServers;
        var topic = topics.Value.Consent;
        var timeout = options.Value.KafkaTimeout;
        var cohort = new ResearchCohort();
        var now = time.GetUtcNow();
        try
        {
            var partitions = Partitions(connection, topic, timeout);
            foreach (var partition in partitions)
            {
                CompactedTopicReader.ReadToEnd(connection, partition, timeout, consumed => cohort.Apply(consumed, now), ct);
            }

            return (cohort, partitions.Count);
        }
        catch (KafkaException e)
        {
            throw new ExportException($"Kafka at {bootstrap} could not be read within {timeout}: {e.Error.Reason}. Check Kafka:BootstrapServers.", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ExportException($"Reading the consent topic {topic} from {bootstrap} did not finish within Export:KafkaTimeout ({timeout}).", e);
        }
    }

    // The metadata request is where an unreachable cluster shows first; librdkafka's retries are reported once, as the
    // exception, instead of as a line on the error stream every 50 ms.
    private List<TopicPartition> Partitions(KafkaOptions connection, string topic, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(connection.Connect(new AdminClientConfig()))
            .SetLogHandler((_, message) => ExportLog.KafkaClient(logger, message.Level, message.Message))
            .Build();
        // Metadata of every topic rather than of this one: a broker that creates topics on demand would otherwise
        // create a misspelt consent topic, and the export would find nobody consented instead of failing.
        var metadata = admin.GetMetadata(timeout).Topics.FirstOrDefault(t => string.Equals(t.Topic, topic, StringComparison.Ordinal));
        if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            throw new ExportException(
                $"The consent topic {topic} could not be found on the Kafka cluster at {connection.BootstrapServers}; check Kafka:BootstrapServers and Kafka:Topics:Consent.");
        }

        return [.. metadata.Partitions.Select(partition => new TopicPartition(topic, partition.PartitionId))];
    }
}
