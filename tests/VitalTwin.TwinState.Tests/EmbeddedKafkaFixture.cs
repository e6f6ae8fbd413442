using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.TwinState.Extensions;

namespace VitalTwin.TwinState.Tests;

/// <summary>One embedded Kafka for the class; every test has topics and a consumer group of its own.</summary>
public sealed class EmbeddedKafkaFixture : IDisposable
{
    public EmbeddedKafka Kafka { get; } = EmbeddedKafka.Start([]);

    /// <summary>A fresh set of the topics TwinState reads and writes, one partition each.</summary>
    public KafkaTopics CreateTopics()
    {
        var unique = Guid.NewGuid().ToString("N");
        var topics = new KafkaTopics
        {
            Telemetry = $"test-telemetry-{unique}",
            Anomalies = $"test-anomalies-{unique}",
            Twins = $"test-twins-{unique}",
            TwinEvents = $"test-twin-events-{unique}",
            DeadLetter = $"test-deadletter-{unique}",
        };
        foreach (var name in new[] { topics.Telemetry, topics.Anomalies, topics.Twins, topics.TwinEvents, topics.DeadLetter })
        {
            Kafka.CreateTopic(new TopicSpec(name, Partitions: 1, Compacted: false));
        }
        return topics;
    }

    /// <summary>TwinState as its Program wires it, on these topics and a consumer group of its own, not yet started.</summary>
    public IHost BuildTwinState(KafkaTopics topics, IEnumerable<KeyValuePair<string, string?>>? settings = null, TimeProvider? clock = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.TwinState.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
            ["Kafka:GroupId"] = $"test-twin-state-{Guid.NewGuid():N}",
            ["Kafka:Topics:Telemetry"] = topics.Telemetry,
            ["Kafka:Topics:Anomalies"] = topics.Anomalies,
            ["Kafka:Topics:Twins"] = topics.Twins,
            ["Kafka:Topics:TwinEvents"] = topics.TwinEvents,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddKafka();
        builder.AddTwinState();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
        return builder.Build();
    }

    public void Dispose() => Kafka.Dispose();
}
