using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Consent;
using VitalTwin.Contracts.Consent.V1;
using static VitalTwin.Kafka.Tests.ConsentRecordsTests;

namespace VitalTwin.Kafka.Tests;

/// <summary>The consent follower the Gateway and TwinState run, against the embedded cluster over TCP.</summary>
public sealed class ConsentFollowerTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task The_whole_topic_is_in_the_book_before_start_returns_and_later_records_follow_live()
    {
        var topics = new KafkaTopics { Consent = Unique.Name("consent") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Consent, 3, Compacted: true));
        using var producer = new ProducerBuilder<string, byte[]>(Clients.IdempotentProducer(cluster.Kafka.BootstrapServers)).Build();
        await PublishAsync(producer, topics.Consent, "monitored", Record("monitored", ConsentState.Monitoring, true, DateTimeOffset.UtcNow).ToByteArray());
        await PublishAsync(producer, topics.Consent, "refusing", Record("refusing", ConsentState.Refused, false, DateTimeOffset.UtcNow).ToByteArray());
        await PublishAsync(producer, topics.Consent, "deleted", Record("deleted", ConsentState.Monitoring, false, DateTimeOffset.UtcNow).ToByteArray());
        await PublishAsync(producer, topics.Consent, "deleted", value: null);
        await PublishAsync(producer, topics.Consent, "withdrawn-then-deleted", Record("withdrawn-then-deleted", ConsentState.Monitoring, false, DateTimeOffset.UtcNow).ToByteArray());
        await PublishAsync(producer, topics.Consent, "withdrawn-then-deleted", Record("withdrawn-then-deleted", ConsentState.Withdrawn, false, DateTimeOffset.UtcNow).ToByteArray());
        await PublishAsync(producer, topics.Consent, "withdrawn-then-deleted", value: null);
        await PublishAsync(producer, topics.Consent, "emptied", Record("emptied", ConsentState.Monitoring, false, DateTimeOffset.UtcNow).ToByteArray());
        await PublishAsync(producer, topics.Consent, "emptied", value: []);
        await PublishAsync(producer, topics.Consent, "corrupt", [0xFF, 0xFF, 0xFF]);
        var logs = new LogCapture();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var book = new ConsentBook(WithoutConsentRecord.Monitor);
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var follower = new ConsentFollower(
            book,
            Options.Create(new KafkaOptions { BootstrapServers = cluster.Kafka.BootstrapServers }),
            Options.Create(topics),
            TimeProvider.System,
            new KafkaMetrics(meters.GetRequiredService<IMeterFactory>()),
            new ApplicationLifetime(loggers.CreateLogger<ApplicationLifetime>()),
            loggers.CreateLogger<ConsentFollower>());

        await follower.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(ConsentStatus.Monitoring, book.Find("monitored")?.Status);
            Assert.True(book.Find("monitored")?.ResearchAllowed);
            Assert.False(book.MayProcess("refusing"));
            Assert.Null(book.Find("deleted"));
            Assert.True(book.MayProcess("deleted"));
            // A deletion grants nothing: the withdrawal before it stays in force.
            Assert.Equal(ConsentStatus.Withdrawn, book.Find("withdrawn-then-deleted")?.Status);
            Assert.False(book.MayProcess("withdrawn-then-deleted"));
            // Only a record with no value at all deletes; an empty one might have been a refusal.
            Assert.Equal(ConsentStatus.Unreadable, book.Find("emptied")?.Status);
            Assert.Equal(ConsentStatus.Unreadable, book.Find("corrupt")?.Status);
            Assert.Equal(5, book.Count);

            var messageId = Guid.NewGuid().ToString("N");
            using var patience = new CancellationTokenSource(Clients.Timeout);
            var applied = follower.WhenApplied(messageId, patience.Token);
            await PublishAsync(producer, topics.Consent, "refusing", Record("refusing", ConsentState.Monitoring, false, DateTimeOffset.UtcNow).ToByteArray(), messageId: messageId);
            await applied;

            Assert.True(book.MayProcess("refusing"));
        }
        finally
        {
            await follower.StopAsync(CancellationToken.None);
        }

        Assert.Equal(2, logs.Lines.Count(line => line.Line.Contains("could not be read", StringComparison.Ordinal)));
        Assert.Equal(2, logs.Lines.Count(line => line.Line.Contains("was deleted", StringComparison.Ordinal)));
        Assert.DoesNotContain(logs.Lines, line => new[] { "emptied", "corrupt", "withdrawn-then-deleted" }.Any(key => line.Line.Contains(key, StringComparison.Ordinal)));
    }

    /// <summary>A value carries the consent schema header; no value (a tombstone) and an empty one carry none.</summary>
    private static Task PublishAsync(IProducer<string, byte[]> producer, string topic, string key, byte[]? value, string? messageId = null)
    {
        var headers = new Headers();
        if (value is { Length: > 0 })
        {
            headers.Add(EventHeaders.Schema, Encoding.UTF8.GetBytes(ConsentRecorded.Descriptor.FullName));
        }
        if (messageId is not null)
        {
            headers.Add(EventHeaders.MessageId, Encoding.UTF8.GetBytes(messageId));
        }
        return producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value!, Headers = headers });
    }
}
