using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Extensions;

namespace VitalTwin.TwinState.Tests;

/// <summary>One embedded Kafka for the class; every test has topics and a consumer group of its own.</summary>
public sealed class EmbeddedKafkaFixture : IDisposable
{
    public EmbeddedKafka Kafka { get; } = EmbeddedKafka.Start([]);

    /// <summary>A fresh set of the topics TwinState reads and writes, <paramref name="partitions"/> each.</summary>
    public KafkaTopics CreateTopics(int partitions = 1)
    {
        var unique = Guid.NewGuid().ToString("N");
        var topics = new KafkaTopics
        {
            Telemetry = $"test-telemetry-{unique}",
            Anomalies = $"test-anomalies-{unique}",
            Twins = $"test-twins-{unique}",
            TwinEvents = $"test-twin-events-{unique}",
            DeadLetter = $"test-deadletter-{unique}",
            Consent = $"test-consent-{unique}",
            Audit = $"test-audit-{unique}",
            Members = $"test-members-{unique}",
            PatientCommands = $"test-patient-commands-{unique}",
            PatientSettings = $"test-patient-settings-{unique}",
        };
        foreach (var name in new[] { topics.Telemetry, topics.Anomalies, topics.Twins, topics.TwinEvents, topics.DeadLetter, topics.Consent, topics.Audit, topics.PatientCommands, topics.PatientSettings })
        {
            Kafka.CreateTopic(new TopicSpec(name, partitions, Compacted: false));
        }
        Kafka.CreateTopic(new TopicSpec(topics.Members, 1, Compacted: false));
        return topics;
    }

    /// <summary>TwinState as its Program wires it, on these topics and a consumer group of its own, not yet started.</summary>
    public IHost BuildTwinState(KafkaTopics topics, IEnumerable<KeyValuePair<string, string?>>? settings = null, TimeProvider? clock = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.TwinState.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(topics, $"test-twin-state-{Guid.NewGuid():N}"));
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddKafka();
        builder.AddTwinState();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
        return builder.Build();
    }

    /// <summary>The Kafka settings of a TwinState on these topics, in consumer group <paramref name="groupId"/>.</summary>
    public Dictionary<string, string?> Settings(KafkaTopics topics, string groupId) => new()
    {
        ["Kafka:BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka:GroupId"] = groupId,
        ["Kafka:Topics:Telemetry"] = topics.Telemetry,
        ["Kafka:Topics:Anomalies"] = topics.Anomalies,
        ["Kafka:Topics:Twins"] = topics.Twins,
        ["Kafka:Topics:TwinEvents"] = topics.TwinEvents,
        ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
        ["Kafka:Topics:Consent"] = topics.Consent,
        ["Kafka:Topics:Audit"] = topics.Audit,
        ["Kafka:Topics:Members"] = topics.Members,
        ["Kafka:Topics:PatientCommands"] = topics.PatientCommands,
        ["Kafka:Topics:PatientSettings"] = topics.PatientSettings,
        [$"Auth:{nameof(ApiAuthenticationOptions.Issuer)}"] = Tokens.Issuer,
        [$"Auth:{nameof(ApiAuthenticationOptions.Audience)}"] = Tokens.Audience,
        [$"Auth:{nameof(ApiAuthenticationOptions.SigningKeys)}:0"] = Tokens.PublicKeyPem,
    };

    /// <summary>The identity provider the services built here trust (<see cref="ApiCallers.StaffToken"/> is its all-roles token).</summary>
    public LocalTokenIssuer Tokens { get; } = new();

    public void Dispose()
    {
        Kafka.Dispose();
        Tokens.Dispose();
    }
}
