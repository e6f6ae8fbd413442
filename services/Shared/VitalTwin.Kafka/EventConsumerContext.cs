using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace VitalTwin.Kafka;

/// <summary>
/// What every consumer takes from its process, as one parameter: the Kafka options, the topic names, the declared
/// topology (which names the consumer's subscription), the producer (for the events a handler publishes, and dead
/// letters), the clock, and the host (whose name is the default group and client id).
/// </summary>
public sealed class EventConsumerContext(
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IOptions<KafkaTopology> topology,
    EventProducer producer,
    TimeProvider clock,
    IHostEnvironment environment)
{
    public KafkaOptions Kafka { get; } = kafka.Value;

    public KafkaTopics Topics { get; } = topics.Value;

    public KafkaTopology Topology { get; } = topology.Value;

    public EventProducer Producer { get; } = producer;

    public TimeProvider Clock { get; } = clock;

    public IHostEnvironment Environment { get; } = environment;
}
