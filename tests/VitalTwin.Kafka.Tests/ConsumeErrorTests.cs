using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// An error a poll returns is not the end of a consumer: it is counted, the consumer pauses, and then
/// reads on from where it was. (A cluster of its own: the injected errors go to whichever client fetches next.)
/// </summary>
public sealed class ConsumeErrorTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_failed_fetch_is_counted_and_after_a_back_off_the_consumer_reads_on()
    {
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, 1, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        var script = new ConsumerScript();
        using var host = await ScriptedHost.StartAsync(cluster.Kafka.BootstrapServers, topics, Unique.Name("group"), script, output);
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>(), KafkaMetrics.MeterName);
        var consumer = host.Services.GetRequiredService<ScriptedConsumer>();
        await ScriptedHost.PublishAsync(cluster.Kafka.BootstrapServers, topics.Telemetry, ["before"], CancellationToken.None);
        await script.WaitForAllAsync(["before"], Clients.Timeout);

        // A broker fault librdkafka does not mend by itself but passes to the poll. Two, as a fetch that first finds
        // the end of the partition reports that instead.
        cluster.Kafka.PushRequestErrors(KafkaApi.Fetch, ErrorCode.InvalidMsg, ErrorCode.InvalidMsg);
        var errors = await metrics.WaitForAsync(recorded => recorded.Any(m => m.Instrument == KafkaMetrics.ConsumeErrors), Clients.Timeout);
        Assert.All(errors.Where(m => m.Instrument == KafkaMetrics.ConsumeErrors), error => Assert.Equal(nameof(ErrorCode.InvalidMsg), error.Tag("error.type")));
        await ScriptedHost.PublishAsync(cluster.Kafka.BootstrapServers, topics.Telemetry, ["after"], CancellationToken.None);

        await script.WaitForAllAsync(["after"], Clients.Timeout);
        Assert.False(consumer.ExecuteTask!.IsCompleted);
    }
}
