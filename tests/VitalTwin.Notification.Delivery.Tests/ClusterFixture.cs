using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>One cluster for the class; every test has topics and consumer groups of its own.</summary>
public sealed class ClusterFixture : IDisposable
{
    public EmbeddedKafka Kafka { get; } = EmbeddedKafka.Start([]);

    internal KafkaTopics CreateTopics(int partitions)
    {
        var topics = new KafkaTopics { Alerts = Unique.Name("alerts"), DeadLetter = Unique.Name("deadletter"), Consent = Unique.Name("consent") };
        Kafka.CreateTopic(new TopicSpec(topics.Alerts, partitions, Compacted: false));
        Kafka.CreateTopic(new TopicSpec(topics.Consent, partitions, Compacted: true));
        Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return topics;
    }

    public void Dispose() => Kafka.Dispose();
}
