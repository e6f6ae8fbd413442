using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

public sealed class EventConsumerTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly ActivitySource Ingestion = new("VitalTwin.Kafka.Tests.Ingestion");

    private string BootstrapServers => cluster.Kafka.BootstrapServers;

    [Fact]
    public async Task A_published_event_reaches_the_handler_with_its_schema_message_id_and_trace()
    {
        using var listener = ListenTo(Ingestion.Name, KafkaInstrumentation.ActivitySourceName);
        var topics = CreateTopics(partitions: 2);
        var script = new HandlerScript();
        await using var host = await StartAsync(topics, Unique.Name("group"), script);
        await host.Services.GetRequiredService<RecordingConsumer>().Assigned.WaitAsync(Clients.Timeout);
        var reading = Reading("patient-trace", 1);
        var messageId = Guid.NewGuid().ToString();

        ActivityTraceId traceId;
        using (var ingest = Ingestion.StartActivity("ingest"))
        {
            Assert.NotNull(ingest);
            traceId = ingest.TraceId;
            await host.Services.GetRequiredService<EventProducer>().PublishAsync(topics.Telemetry, "patient-trace", reading, messageId, CancellationToken.None);
        }

        var handled = Assert.Single(await script.WaitForAsync(1));
        Assert.Equal(topics.Telemetry, handled.Topic);
        Assert.Equal("patient-trace", handled.Key);
        Assert.Equal(VitalSignsRecorded.Descriptor.FullName, handled.Schema);
        Assert.Equal(messageId, handled.MessageId);
        Assert.Equal(reading, handled.Payload);
        Assert.Equal(ActivityKind.Consumer, handled.Kind);
        Assert.Equal(traceId, handled.TraceId);
        // What an outside consumer sees: the headers, with the publish span as the parent of the handler's span.
        var raw = Assert.Single(await Clients.ReadAsync<string, byte[]>(BootstrapServers, topics.Telemetry, 1));
        Assert.Equal(EventHeaders.ProtobufContentType, Header(raw.Message.Headers, EventHeaders.ContentType));
        var traceparent = Header(raw.Message.Headers, "traceparent").Split('-');
        Assert.Equal(traceId.ToHexString(), traceparent[1]);
        Assert.Equal(handled.ParentSpanId?.ToHexString(), traceparent[2]);
    }

    [Fact]
    public async Task An_event_the_handler_throws_on_goes_to_the_dead_letter_topic_and_the_next_is_handled()
    {
        var topics = CreateTopics(partitions: 1);
        var script = new HandlerScript();
        var groupId = Unique.Name("group");
        var (first, poison, next) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        script.FailingMessageIds.Add(poison);
        var poisonReading = Reading("patient-poison", 2);
        await using (var host = await StartAsync(topics, groupId, script))
        {
            var producer = host.Services.GetRequiredService<EventProducer>();
            await producer.PublishAsync(topics.Telemetry, "patient-poison", Reading("patient-poison", 1), first, CancellationToken.None);
            await producer.PublishAsync(topics.Telemetry, "patient-poison", poisonReading, poison, CancellationToken.None);
            await producer.PublishAsync(topics.Telemetry, "patient-poison", Reading("patient-poison", 3), next, CancellationToken.None);

            var handled = await script.WaitForAsync(2);

            Assert.Equal([first, next], handled.Select(h => h.MessageId));
        }

        var deadLetter = Assert.Single(await Clients.ReadAsync<string, byte[]>(BootstrapServers, topics.DeadLetter, 1));
        Assert.Equal("patient-poison", deadLetter.Message.Key);
        Assert.Equal(poisonReading, VitalSignsRecorded.Parser.ParseFrom(deadLetter.Message.Value));
        Assert.Equal(nameof(InvalidOperationException), Header(deadLetter.Message.Headers, EventHeaders.DeadLetterReason));
        Assert.Equal(topics.Telemetry, Header(deadLetter.Message.Headers, EventHeaders.DeadLetterSourceTopic));
        Assert.Equal(poison, Header(deadLetter.Message.Headers, EventHeaders.MessageId));
        Assert.Equal(VitalSignsRecorded.Descriptor.FullName, Header(deadLetter.Message.Headers, EventHeaders.Schema));
        Assert.Equal(1, Clients.HighWatermark(BootstrapServers, new TopicPartition(topics.DeadLetter, 0)));
        // The dead-lettered event counts as done: the group's offset is past all three.
        Assert.Equal(3, Committed(groupId, new TopicPartition(topics.Telemetry, 0)));
    }

    [Fact]
    public async Task After_the_host_stops_the_groups_committed_offsets_are_past_the_handled_events()
    {
        var topics = CreateTopics(partitions: 2);
        var groupId = Unique.Name("group");
        string[] patients = ["patient-a", "patient-b", "patient-c", "patient-d"];
        var before = new HashSet<string>();
        await using (var host = await StartAsync(topics, groupId, new HandlerScript()))
        {
            var script = host.Services.GetRequiredService<HandlerScript>();
            var producer = host.Services.GetRequiredService<EventProducer>();
            foreach (var patient in patients.Concat(patients))
            {
                var messageId = Guid.NewGuid().ToString();
                before.Add(messageId);
                await producer.PublishAsync(topics.Telemetry, patient, Reading(patient, (ulong)before.Count), messageId, CancellationToken.None);
            }

            Assert.Equal(before.Order(), (await script.WaitForAsync(before.Count)).Select(h => h.MessageId).Order());
            await host.StopAsync(CancellationToken.None);
        }

        var partitions = new[] { 0, 1 }.Select(p => new TopicPartition(topics.Telemetry, p)).ToList();
        var ends = partitions.Select(p => Clients.HighWatermark(BootstrapServers, p)).ToList();
        Assert.Equal(before.Count, ends.Sum());
        Assert.Equal(ends.Select(end => end == 0 ? Offset.Unset.Value : end), partitions.Select(p => Committed(groupId, p)));

        // A member of the group starts where the stopped host left off: the first event it reads on each partition
        // is one published after the stop. (It takes the partitions by hand because, in the mock, a group whose
        // last member left makes the next joiner wait session.timeout.ms - 1 s, 44 s by default.)
        using (var producer = new ProducerBuilder<string, byte[]>(Clients.IdempotentProducer(BootstrapServers)).Build())
        {
            foreach (var partition in partitions)
            {
                await producer.ProduceAsync(partition, new Message<string, byte[]> { Key = "after-stop", Value = [] });
            }
        }
        var resumed = await Clients.ResumeAsync<string, byte[]>(BootstrapServers, groupId, partitions, partitions.Count);
        Assert.All(resumed, r => Assert.Equal("after-stop", r.Message.Key));
        Assert.Equal(ends, resumed.OrderBy(r => r.Partition.Value).Select(r => r.Offset.Value));
    }

    private KafkaTopics CreateTopics(int partitions)
    {
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, partitions, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return topics;
    }

    private async Task<RunningHost> StartAsync(KafkaTopics topics, string groupId, HandlerScript script)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = BootstrapServers,
            ["Kafka:GroupId"] = groupId,
            ["Kafka:Topics:Telemetry"] = topics.Telemetry,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
        });
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output));
        builder.Services.AddSingleton(script).AddKafka().AddEventConsumer<RecordingConsumer>(topics => topics.Telemetry);
        var host = builder.Build();
        await host.StartAsync(CancellationToken.None);
        return new RunningHost(host);
    }

    private long Committed(string groupId, TopicPartition partition)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Clients.Consumer(BootstrapServers, groupId)).Build();
        return consumer.Committed([partition], Clients.Timeout).Single().Offset.Value;
    }

    private static VitalSignsRecorded Reading(string patientId, ulong sequenceNumber) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        Reading = new VitalSignReading
        {
            PatientId = patientId,
            DeviceId = "monitor-1",
            SequenceNumber = sequenceNumber,
            ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 3, 1, 8, 30, 0, TimeSpan.Zero)),
            Code = new VitalCode { Loinc = "8867-4", Mdc = "MDC_PULS_OXIM_PULS_RATE" },
            Value = 72,
            Unit = "/min",
        },
    };

    private static string Header(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : throw new KeyNotFoundException($"No {name} header.");

    private static ActivityListener ListenTo(params string[] sources)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>Stops the host, so the consumer closes and commits, before disposing it.</summary>
    private sealed class RunningHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public Task StopAsync(CancellationToken cancellationToken) => host.StopAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }
}
