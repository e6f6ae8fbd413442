using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Kafka.Tests;

/// <summary>One cluster for the class; every test has topics and a consumer group of its own.</summary>
public sealed class ClusterFixture : IDisposable
{
    public EmbeddedKafka Kafka { get; } = EmbeddedKafka.Start([]);

    public void Dispose() => Kafka.Dispose();
}
