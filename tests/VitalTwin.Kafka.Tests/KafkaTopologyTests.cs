using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka;

namespace VitalTwin.Kafka.Tests;

/// <summary>A consumer's subscription is what its registration declares, and declarations from several registrations add up.</summary>
public sealed class KafkaTopologyTests
{
    private static readonly KafkaTopics Topics = new() { Telemetry = "t.telemetry", Consent = "t.consent", Anomalies = "t.anomalies" };

    [Fact]
    public void A_registered_consumer_subscribes_to_its_declared_topics_in_order_under_the_configured_names()
    {
        var topology = Topology(services => services
            .AddEventConsumer<ScriptedConsumer>(topics => topics.Telemetry, topics => topics.Consent)
            .AddKafkaTopology(declare => declare.Consumes<ScriptedConsumer>(topics => topics.Consent).Produces(topics => topics.Anomalies)));

        Assert.Equal(["t.telemetry", "t.consent"], topology.SubscriptionOf(typeof(ScriptedConsumer), Topics));
        Assert.Equal(
            [new KafkaTopics().DeadLetter, "t.anomalies"],
            topology.Uses.Where(use => use.Role == TopicRole.Produces).Select(use => use.Topic(new KafkaTopics { Anomalies = "t.anomalies" })));
    }

    [Fact]
    public void A_consumer_declared_nowhere_refuses_to_subscribe_and_says_where_to_declare()
    {
        var topology = Topology(services => services.AddEventConsumer<ScriptedConsumer>(topics => topics.Telemetry));

        var refused = Assert.Throws<InvalidOperationException>(() => topology.SubscriptionOf(typeof(RecordingConsumer), Topics));
        Assert.Contains(nameof(RecordingConsumer), refused.Message, StringComparison.Ordinal);
        Assert.Contains("AddEventConsumer", refused.Message, StringComparison.Ordinal);
    }

    private static KafkaTopology Topology(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<KafkaTopology>>().Value;
    }
}
