using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// Stopping a consumer the way SIGTERM does, while events keep arriving: the event in flight finishes, its offset
/// and all before it are committed, and the next member of the group carries on from there.
/// </summary>
public sealed class GracefulShutdownTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private string BootstrapServers => cluster.Kafka.BootstrapServers;

    [Fact]
    public async Task A_consumer_stopped_under_load_finishes_its_event_in_flight_and_the_next_member_resumes_without_losing_or_repeating_any()
    {
        var topics = CreateTopics(partitions: 2);
        var groupId = Unique.Name("group");
        var events = Enumerable.Range(0, 600).Select(i => $"event-{i:D4}").ToList();
        var first = new ConsumerScript { HoldAt = events[200] };
        var second = new ConsumerScript();
        using var stopProducing = new CancellationTokenSource(Timeout);

        var host = await ScriptedHost.StartAsync(BootstrapServers, topics, groupId, first, output);
        // A stream, not a backlog: the events go out in small batches while the first host runs and stops.
        var producing = Task.Run(async () =>
        {
            foreach (var chunk in events.Chunk(20))
            {
                await ScriptedHost.PublishAsync(BootstrapServers, topics.Telemetry, chunk, stopProducing.Token);
            }
        });
        await first.Holding.WaitAsync(Timeout);

        var stopping = host.StopAsync(CancellationToken.None);
        Assert.False(stopping.IsCompleted, "the stop must wait for the event in flight");
        first.Release();
        await stopping.WaitAsync(Timeout);
        host.Dispose();

        Assert.False(await first.HeldFinished, "a stop request alone must not cancel the event in flight");
        Assert.Contains(events[200], first.Handled);
        using var resumed = await ScriptedHost.StartAsync(BootstrapServers, topics, groupId, second, output);
        await producing.WaitAsync(Timeout);
        await second.WaitForAllAsync(events.Except(first.Handled).ToList(), Timeout);
        await resumed.StopAsync(CancellationToken.None);

        var handled = first.Handled.Concat(second.Handled).ToList();
        Assert.Equal(events, handled.Distinct().Order());
        // Committed at the stop: the second member starts exactly after the first one's last event.
        Assert.Empty(first.Handled.Intersect(second.Handled));
        Assert.Equal(events.Count, handled.Count);
        Assert.NotEmpty(second.Handled);
    }

    [Fact]
    public async Task An_event_still_in_flight_when_the_shutdown_timeout_expires_is_cancelled_left_uncommitted_and_handled_again_by_the_next_member()
    {
        var topics = CreateTopics(partitions: 1);
        var groupId = Unique.Name("group");
        string[] events = ["event-0", "event-1", "event-2", "event-3"];
        var first = new ConsumerScript { HoldAt = "event-2" };
        var second = new ConsumerScript();
        await ScriptedHost.PublishAsync(BootstrapServers, topics.Telemetry, events, CancellationToken.None);

        var host = await ScriptedHost.StartAsync(BootstrapServers, topics, groupId, first, output);
        await first.Holding.WaitAsync(Timeout);
        // The host's shutdown timeout, shortened: it expires while the handler still waits.
        using (var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await host.StopAsync(shutdownTimeout.Token);
        }
        Assert.True(await first.HeldFinished.WaitAsync(Timeout), "the handler's token is cancelled when the shutdown timeout expires");
        // The host stopped waiting; the loop still closes the consumer (and commits) on its own.
        await host.Services.GetRequiredService<ScriptedConsumer>().ExecuteTask!.WaitAsync(Timeout);
        host.Dispose();

        Assert.Equal(["event-0", "event-1"], first.Handled);
        Assert.Equal(2, Committed(groupId, new TopicPartition(topics.Telemetry, 0)));
        Assert.Equal(0, Clients.HighWatermark(BootstrapServers, new TopicPartition(topics.DeadLetter, 0)));
        using var resumed = await ScriptedHost.StartAsync(BootstrapServers, topics, groupId, second, output);
        await second.WaitForAllAsync(["event-2", "event-3"], Timeout);
        await resumed.StopAsync(CancellationToken.None);
        Assert.Equal(["event-2", "event-3"], second.Handled);
    }

    private KafkaTopics CreateTopics(int partitions)
    {
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, partitions, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return topics;
    }

    private long Committed(string groupId, TopicPartition partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Clients.Consumer(BootstrapServers, groupId)).Build();
        return consumer.Committed([partition], Clients.Timeout).Single().Offset.Value;
    }
}
