using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>The spans and metrics of the shared producer and consumer loop, with their documented names.</summary>
public sealed class ConsumerTelemetryTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private string BootstrapServers => cluster.Kafka.BootstrapServers;

    [Fact]
    public async Task The_consumer_reports_its_lag_per_partition_down_to_zero_and_counts_dead_lettered_events()
    {
        var topics = CreateTopics();
        var groupId = Unique.Name("group");
        var events = Enumerable.Range(0, 10).Select(i => $"event-{i}").ToList();
        var script = new ConsumerScript { HoldAt = "event-1" };
        script.Refused.Add("event-5");
        await ScriptedHost.PublishAsync(BootstrapServers, topics.Telemetry, events, CancellationToken.None);

        using var host = await ScriptedHost.StartAsync(BootstrapServers, topics, groupId, script, output);
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>(), KafkaMetrics.MeterName);
        await script.Holding.WaitAsync(Timeout);
        // Handled event-0 of ten, holding event-1: nine are still ahead.
        var behind = Lag(metrics.Observe(KafkaMetrics.ConsumerLag), groupId);
        script.Release();
        await script.WaitForAllAsync(events.Except(script.Refused).ToList(), Timeout);
        var caughtUp = await metrics.WaitForAsync(seen => Lag(seen.Where(m => m.Instrument == KafkaMetrics.ConsumerLag), groupId) == 0, Timeout);
        var running = Lag(metrics.Observe(KafkaMetrics.ConsumerLag), groupId);
        await host.StopAsync(CancellationToken.None);

        Assert.Equal(9, behind);
        var lag = caughtUp.Last(m => m.Instrument == KafkaMetrics.ConsumerLag);
        Assert.Equal("{message}", lag.Unit);
        Assert.Equal((topics.Telemetry, "0"), (lag.Tag("messaging.destination.name"), lag.Tag("messaging.destination.partition.id")));
        var deadLettered = Assert.Single(caughtUp, m => m.Instrument == KafkaMetrics.DeadLettered);
        Assert.Equal(1, deadLettered.Value);
        Assert.Equal(
            (groupId, topics.Telemetry, typeof(InvalidOperationException).FullName),
            (deadLettered.Tag("messaging.consumer.group.name"), deadLettered.Tag("messaging.destination.name"), deadLettered.Tag("error.type")));
        // Stopped: a consumer that left its group reports no lag for partitions it no longer has.
        Assert.Equal(0, running);
        Assert.Null(Lag(metrics.Observe(KafkaMetrics.ConsumerLag), groupId));
    }

    [Fact]
    public async Task Publish_and_process_spans_follow_the_messaging_conventions_and_carry_no_key_or_payload()
    {
        var topics = CreateTopics();
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaInstrumentation.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var script = new ConsumerScript();
        const string patientId = "patient-7d1f";
        const string messageId = "monitor-93/41";
        using var host = await ScriptedHost.StartAsync(BootstrapServers, topics, Unique.Name("group"), script, output);
        var reading = new VitalSignsRecorded { EventId = messageId, Reading = new VitalSignReading { PatientId = patientId, DeviceId = "monitor-93", Value = 187.25 } };

        await host.Services.GetRequiredService<EventProducer>().PublishAsync(topics.Telemetry, patientId, reading, messageId, CancellationToken.None);
        await script.WaitForAllAsync([messageId], Timeout);
        await host.StopAsync(CancellationToken.None);

        List<Activity> ours;
        lock (spans)
        {
            ours = spans.Where(s => Equals(s.GetTagItem("messaging.destination.name"), topics.Telemetry)).ToList();
        }
        var publish = Assert.Single(ours, s => s.Kind == ActivityKind.Producer);
        var process = Assert.Single(ours, s => s.Kind == ActivityKind.Consumer);
        Assert.Equal($"send {topics.Telemetry}", publish.DisplayName);
        Assert.Equal($"process {topics.Telemetry}", process.DisplayName);
        Assert.Equal(
            ("kafka", "send", "0", 0L),
            (publish.GetTagItem("messaging.system"), publish.GetTagItem("messaging.operation.type"), publish.GetTagItem("messaging.destination.partition.id"), publish.GetTagItem("messaging.kafka.offset")));
        Assert.Equal(
            ("kafka", "process", "0", 0L),
            (process.GetTagItem("messaging.system"), process.GetTagItem("messaging.operation.type"), process.GetTagItem("messaging.destination.partition.id"), process.GetTagItem("messaging.kafka.offset")));
        Assert.Equal((publish.TraceId, publish.SpanId), (process.TraceId, process.ParentSpanId));
        foreach (var span in ours)
        {
            Assert.DoesNotContain(span.TagObjects, tag => tag.Key == "messaging.kafka.message.key");
            Assert.DoesNotContain(span.TagObjects, tag => tag.Value?.ToString() is { } value
                && (value.Contains(patientId, StringComparison.Ordinal) || value.Contains("monitor-93", StringComparison.Ordinal) || value.Contains("187.25", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Pipeline_latency_is_recorded_in_seconds_from_observed_at_with_the_service_name()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 8, 30, 0, TimeSpan.Zero));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.TestService", DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(clock).AddKafka();
        using var host = builder.Build();
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>(), PipelineMetrics.MeterName);
        var pipeline = host.Services.GetRequiredService<PipelineMetrics>();

        pipeline.Processed(clock.GetUtcNow().AddSeconds(-2.5));
        // A device clock ahead of ours says nothing about the pipeline.
        pipeline.Processed(clock.GetUtcNow().AddSeconds(10));

        var latency = Assert.Single(metrics.Of(PipelineMetrics.Latency));
        Assert.Equal((2.5, "s", "VitalTwin.TestService"), (latency.Value, latency.Unit, latency.Tag("service")));
    }

    private static double? Lag(IEnumerable<RecordedMeasurement> measurements, string groupId) =>
        measurements.LastOrDefault(m => m.Tag("messaging.consumer.group.name") == groupId)?.Value;

    private KafkaTopics CreateTopics()
    {
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, 1, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return topics;
    }
}
