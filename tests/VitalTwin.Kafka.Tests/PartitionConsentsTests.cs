using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Consent;
using VitalTwin.Contracts.Consent.V1;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// Consent as the stateful consumers enforce it per partition: restored from the partition's records, kept current
/// from the records handed over, and a refusal owes an erasure that holds the consent offset back until it succeeds.
/// Embedded Kafka for the restore.
/// </summary>
public sealed class PartitionConsentsTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static readonly DateTimeOffset RecordedAt = DateTimeOffset.UtcNow.AddDays(-1);
    private static readonly string Schema = ConsentRecorded.Descriptor.FullName;

    [Fact]
    public async Task A_withdrawal_owes_an_erasure_and_the_consent_offset_waits_at_its_record_until_the_erasure_succeeds()
    {
        var topics = new KafkaTopics { Consent = Unique.Name("consent") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Consent, 1, Compacted: true));
        using (var producer = new ProducerBuilder<string, byte[]>(Clients.IdempotentProducer(cluster.Kafka.BootstrapServers)).Build())
        {
            await producer.ProduceAsync(topics.Consent, Message("p1", Record("p1", ConsentState.Monitoring)));
            await producer.ProduceAsync(topics.Consent, Message("p2", Record("p2", ConsentState.Refused)));
        }
        using var host = Host(topics);
        var consents = host.Services.GetRequiredService<PartitionConsents>();

        var restored = consents.Restore(0);
        Assert.True(restored.MayProcess("p1"));
        Assert.False(consents.MayProcess(0, "p2"));
        Assert.False(consents.MayProcess(1, "p1"));
        Assert.Empty(consents.StorableOffset(0));

        var withdrawal = Event(topics, 2, "p1", Schema, Record("p1", ConsentState.Withdrawn).ToByteArray());
        var erase = consents.Apply(withdrawal);
        consents.Handled(withdrawal, erase);
        Assert.Equal("p1", erase);
        Assert.True(consents.Withholds(Event(topics, 3, "p1", Schema, [])));

        await consents.EraseOwedAsync(0, (_, _) => throw new IOException("The store is down."), CancellationToken.None);
        Assert.True(consents.Owes(0));
        Assert.Equal([new TopicPartitionOffset(topics.Consent, 0, 2)], consents.StorableOffset(0));

        var consentReturns = Event(topics, 3, "p1", Schema, Record("p1", ConsentState.Monitoring).ToByteArray());
        consents.Handled(consentReturns, consents.Apply(consentReturns));
        var erased = new List<string>();
        await consents.EraseOwedAsync(0, (patientId, _) => { erased.Add(patientId); return Task.CompletedTask; }, CancellationToken.None);
        Assert.Equal(["p1"], erased);
        Assert.False(consents.Owes(0));
        Assert.Equal([new TopicPartitionOffset(topics.Consent, 0, 4)], consents.StorableOffset(0));
        Assert.False(consents.Withholds(Event(topics, 4, "p1", Schema, [])));
    }

    [Fact]
    public void An_unreadable_record_withholds_its_patient_but_erases_nothing_and_one_without_a_key_is_refused()
    {
        var topics = new KafkaTopics { Consent = Unique.Name("consent") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Consent, 1, Compacted: true));
        using var host = Host(topics);
        var consents = host.Services.GetRequiredService<PartitionConsents>();
        consents.Restore(0);

        Assert.Null(consents.Apply(Event(topics, 0, "p1", schema: null, [0xFF])));
        Assert.True(consents.Withholds(Event(topics, 1, "p1", Schema, [])));
        Assert.Throws<InvalidDataException>(() => consents.Apply(Event(topics, 2, "", Schema, Record("p1", ConsentState.Withdrawn).ToByteArray())));

        consents.Drop([0]);
        Assert.Throws<InvalidOperationException>(() => consents.Withholds(Event(topics, 3, "p1", Schema, [])));
    }

    /// <summary>The registrations a service makes, built but not started: nothing runs but what a test calls.</summary>
    private IHost Host(KafkaTopics topics)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = cluster.Kafka.BootstrapServers,
            ["Kafka:Topics:Consent"] = topics.Consent,
        });
        builder.Services.AddKafka().AddPartitionConsents();
        return builder.Build();
    }

    private static ConsentRecorded Record(string patientId, ConsentState state) => new()
    {
        PatientId = patientId,
        State = state,
        RecordedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(RecordedAt),
    };

    private static Message<string, byte[]> Message(string key, ConsentRecorded record) => new()
    {
        Key = key,
        Value = record.ToByteArray(),
        Headers = new Headers { { EventHeaders.Schema, Encoding.UTF8.GetBytes(Schema) } },
    };

    private static ConsumedEvent Event(KafkaTopics topics, long offset, string key, string? schema, byte[] value)
    {
        var headers = new Headers();
        if (schema is not null)
        {
            headers.Add(EventHeaders.Schema, Encoding.UTF8.GetBytes(schema));
        }
        return new ConsumedEvent(new ConsumeResult<string, byte[]>
        {
            TopicPartitionOffset = new TopicPartitionOffset(topics.Consent, 0, offset),
            Message = new Message<string, byte[]> { Key = key, Value = value, Headers = headers },
        });
    }
}
