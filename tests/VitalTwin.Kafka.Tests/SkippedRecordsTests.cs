using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// A consumer group whose committed offset retention dropped resumes at the oldest record kept, as
/// <c>auto.offset.reset</c> says, and says so: an error in the log and the skipped records counted. The mock cluster
/// keeps about 5 MiB a partition, so a few MiB more than that drop the oldest records deterministically.
/// </summary>
public sealed class SkippedRecordsTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const int LargeRecords = 80;
    private const int LargeRecordBytes = 100_000;

    [Fact]
    public async Task A_group_resuming_from_a_committed_offset_retention_dropped_logs_an_error_and_counts_the_skipped_records()
    {
        var bootstrap = cluster.Kafka.BootstrapServers;
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, 1, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        var groupId = Unique.Name("group");
        var log = new LogCapture();
        var before = new ConsumerScript();
        using (var first = ScriptedHost.Build(bootstrap, topics, groupId, before, output, log))
        {
            await first.StartAsync(CancellationToken.None);
            await ScriptedHost.PublishAsync(bootstrap, topics.Telemetry, ["a", "b", "c"], CancellationToken.None);
            await before.WaitForAllAsync(["a", "b", "c"], Clients.Timeout);
            // Closing commits what was handled.
            await first.StopAsync(CancellationToken.None);
        }
        var partition = new TopicPartition(topics.Telemetry, 0);
        Assert.Equal(3, Committed(bootstrap, groupId, partition));

        // While the group is away, more than the mock keeps arrives: the oldest records go, the group's next one with them.
        await PublishLargeAsync(bootstrap, topics.Telemetry);
        var low = LowWatermark(bootstrap, partition);
        Assert.True(low > 3, $"the mock kept every record (low watermark {low}); publish more to make it drop some");

        var after = new ConsumerScript();
        using var second = ScriptedHost.Build(bootstrap, topics, groupId, after, output, log);
        using var metrics = new MetricRecorder(second.Services.GetRequiredService<IMeterFactory>(), KafkaMetrics.MeterName);
        await second.StartAsync(CancellationToken.None);
        await after.WaitForAllAsync([$"large-{LargeRecords - 1}"], Clients.Timeout);

        var skipped = await metrics.WaitForAsync(recorded => recorded.Any(m => m.Instrument == KafkaMetrics.Skipped), Clients.Timeout);
        var counted = Assert.Single(skipped, m => m.Instrument == KafkaMetrics.Skipped);
        Assert.Equal(low - 3, counted.Value);
        Assert.Equal(groupId, counted.Tag("messaging.consumer.group.name"));
        Assert.Equal(topics.Telemetry, counted.Tag("messaging.destination.name"));
        Assert.Equal("0", counted.Tag("messaging.destination.partition.id"));
        var line = Assert.Single(log.Lines, l => l.Line.Contains("skipped", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains($"skipped {low - 3} records of {topics.Telemetry}[0] (offsets 3 to {low - 1})", line.Line, StringComparison.Ordinal);
        // It went on from the oldest record kept: the first it handled is the one at the low watermark.
        Assert.Equal($"large-{low - 3}", after.Handled.First());
        await second.StopAsync(CancellationToken.None);
    }

    private static async Task PublishLargeAsync(string bootstrapServers, string topic)
    {
        using var producer = new ProducerBuilder<string, byte[]>(Clients.IdempotentProducer(bootstrapServers)).Build();
        var value = new byte[LargeRecordBytes];
        for (var i = 0; i < LargeRecords; i++)
        {
            var headers = new Headers { { EventHeaders.MessageId, Encoding.UTF8.GetBytes($"large-{i}") } };
            await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = "patient-large", Value = value, Headers = headers });
        }
    }

    private static long Committed(string bootstrapServers, string groupId, TopicPartition partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Clients.Consumer(bootstrapServers, groupId)).Build();
        return consumer.Committed([partition], Clients.Timeout).Single().Offset.Value;
    }

    private static long LowWatermark(string bootstrapServers, TopicPartition partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Clients.Consumer(bootstrapServers, Unique.Name("watermark"))).Build();
        return consumer.QueryWatermarkOffsets(partition, Clients.Timeout).Low.Value;
    }
}
