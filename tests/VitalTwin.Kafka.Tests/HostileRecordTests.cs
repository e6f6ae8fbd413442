using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// Records no VitalTwin producer would write, put on a consumer's topic by a plain client: each is handled or
/// dead-lettered with a reason, and the consumer goes on to the next. Seeded and deterministic.
/// </summary>
public sealed class HostileRecordTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly string[] Kinds =
    [
        "NullKey", "EmptyKey", "HugeKey", "NoHeaders", "GarbageHeaders", "ManyHeaders", "Tombstone", "EmptyValue",
        "RandomBytes", "MutatedValue", "TruncatedValue", "WrongMessage",
    ];

    private string BootstrapServers => cluster.Kafka.BootstrapServers;

    [Fact]
    public async Task Hostile_records_are_handled_or_dead_lettered_with_a_reason_and_the_records_between_them_are_all_handled_in_order()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("VITALTWIN_FUZZ_SEED"), out var chosen) ? chosen : 20_250_604;
        var random = new Random(seed);
        var topics = CreateTopics();
        var script = new HandlerScript();
        await using var host = await StartAsync(topics, script);
        await host.Services.GetRequiredService<RecordingConsumer>().Assigned.WaitAsync(Clients.Timeout);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig(Clients.IdempotentProducer(BootstrapServers)) { MessageMaxBytes = 4_000_000 }).Build();
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var controls = new List<string>();
        // Odd keys and headers around a valid payload are the handler's to judge: the plumbing must hand them over.
        var validPayloads = new List<string>();

        for (var i = 0; i < 300; i++)
        {
            var kind = Kinds[random.Next(Kinds.Length)];
            tally[kind] = tally.GetValueOrDefault(kind) + 1;
            var record = Hostile(kind, random);
            if (kind is "NullKey" or "EmptyKey" or "HugeKey" or "NoHeaders" or "GarbageHeaders" or "ManyHeaders")
            {
                validPayloads.Add(VitalSignsRecorded.Parser.ParseFrom(record.Value).EventId);
            }
            await producer.ProduceAsync(topics.Telemetry, record);
            if (i % 10 == 9)
            {
                controls.Add(await ProduceControlAsync(producer, topics, controls.Count));
            }
        }
        // Too large to copy to the dead-letter topic with the reason added: the one a crash would hide behind.
        await producer.ProduceAsync(topics.Telemetry, new Message<string, byte[]> { Key = "patient-huge", Value = [0x00, .. new byte[999_990]] });
        tally["TooLargeToCopy"] = 1;
        controls.Add(await ProduceControlAsync(producer, topics, controls.Count));

        // One partition: once the last control record is handled, every record before it was handled or dead-lettered.
        var handled = await HandledUntilAsync(script, controls[^1]);
        var hostileHandled = handled.Count - controls.Count;
        var deadLetters = await Clients.ReadAsync<string, byte[]>(BootstrapServers, topics.DeadLetter, 301 - hostileHandled);

        output.WriteLine($"Hostile records: 301, seed {seed}; handled {hostileHandled}, dead-lettered {deadLetters.Count}");
        foreach (var (kind, count) in tally)
        {
            output.WriteLine($"  {kind,-16} {count,4}");
        }
        foreach (var reason in deadLetters.GroupBy(d => Header(d.Message.Headers, EventHeaders.DeadLetterReason)))
        {
            output.WriteLine($"  dead-letter-reason {reason.Key}: {reason.Count()}");
        }
        Assert.Equal(controls, handled.Where(h => h.MessageId?.StartsWith("control-", StringComparison.Ordinal) == true).Select(h => h.MessageId));
        Assert.Empty(validPayloads.Except(handled.Select(h => h.Payload.EventId)));
        Assert.Equal(301 - hostileHandled, Clients.HighWatermark(BootstrapServers, new TopicPartition(topics.DeadLetter, 0)));
        Assert.All(deadLetters, d =>
        {
            Assert.False(string.IsNullOrEmpty(Header(d.Message.Headers, EventHeaders.DeadLetterReason)));
            Assert.Equal(topics.Telemetry, Header(d.Message.Headers, EventHeaders.DeadLetterSourceTopic));
            Assert.Equal("0", Header(d.Message.Headers, EventHeaders.DeadLetterSourcePartition));
            Assert.True(long.TryParse(Header(d.Message.Headers, EventHeaders.DeadLetterSourceOffset), out _));
        });
        var huge = Assert.Single(deadLetters, d => d.Message.Value is null or { Length: 0 } && d.Message.Headers.TryGetLastBytes(EventHeaders.DeadLetterPayloadOmitted, out _));
        Assert.Null(huge.Message.Key);
    }

    private static Message<string, byte[]> Hostile(string kind, Random random)
    {
        var valid = Reading($"patient-{random.Next(1_000)}").ToByteArray();
        var headers = new Headers
        {
            { EventHeaders.Schema, Encoding.UTF8.GetBytes(VitalSignsRecorded.Descriptor.FullName) },
            { EventHeaders.MessageId, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) },
        };
        var message = new Message<string, byte[]> { Key = $"patient-{random.Next(1_000)}", Value = valid, Headers = headers };
        switch (kind)
        {
            case "NullKey": message.Key = null!; break;
            case "EmptyKey": message.Key = string.Empty; break;
            case "HugeKey": message.Key = new string('k', random.Next(10_000, 100_000)); break;
            case "NoHeaders": message.Headers = null; break;
            case "GarbageHeaders":
                message.Headers = new Headers { { EventHeaders.Schema, [0xff, 0xfe, 0x00] }, { "traceparent", Encoding.UTF8.GetBytes("00-zz-zz-zz") }, { EventHeaders.MessageId, null } };
                break;
            case "ManyHeaders":
                for (var i = random.Next(100, 2_000); i > 0; i--)
                {
                    headers.Add($"h{i}", new byte[random.Next(0, 64)]);
                }
                break;
            case "Tombstone": message.Value = null!; break;
            case "EmptyValue": message.Value = []; break;
            case "RandomBytes": message.Value = new byte[random.Next(1, 5_000)]; random.NextBytes(message.Value); break;
            case "MutatedValue":
                for (var i = random.Next(1, 6); i > 0; i--)
                {
                    valid[random.Next(valid.Length)] ^= (byte)(1 << random.Next(8));
                }
                break;
            case "TruncatedValue": message.Value = valid[..random.Next(1, valid.Length)]; break;
            case "WrongMessage": message.Value = new RegisterDeviceRequest { DeviceId = "d", PatientId = "p" }.ToByteArray(); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return message;
    }

    private static async Task<string> ProduceControlAsync(IProducer<string, byte[]> producer, KafkaTopics topics, int number)
    {
        var messageId = $"control-{number}";
        await producer.ProduceAsync(topics.Telemetry, new Message<string, byte[]>
        {
            Key = messageId,
            Value = Reading(messageId).ToByteArray(),
            Headers = new Headers
            {
                { EventHeaders.Schema, Encoding.UTF8.GetBytes(VitalSignsRecorded.Descriptor.FullName) },
                { EventHeaders.MessageId, Encoding.UTF8.GetBytes(messageId) },
            },
        });
        return messageId;
    }

    private static async Task<List<HandledEvent>> HandledUntilAsync(HandlerScript script, string lastMessageId)
    {
        var handled = new List<HandledEvent>();
        using var deadline = new CancellationTokenSource(Clients.Timeout);
        while (handled.Count == 0 || handled[^1].MessageId != lastMessageId)
        {
            handled.Add(await script.Handled.Reader.ReadAsync(deadline.Token));
        }
        return handled;
    }

    private KafkaTopics CreateTopics()
    {
        var topics = new KafkaTopics { Telemetry = Unique.Name("telemetry"), DeadLetter = Unique.Name("deadletter") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, 1, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return topics;
    }

    private async Task<RunningHost> StartAsync(KafkaTopics topics, HandlerScript script)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = BootstrapServers,
            ["Kafka:GroupId"] = Unique.Name("group"),
            ["Kafka:Topics:Telemetry"] = topics.Telemetry,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
        });
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output));
        builder.Services.AddSingleton(script).AddKafka().AddEventConsumer<RecordingConsumer>(topics => topics.Telemetry);
        var host = builder.Build();
        await host.StartAsync(CancellationToken.None);
        return new RunningHost(host);
    }

    private static VitalSignsRecorded Reading(string patientId) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        Reading = new VitalSignReading
        {
            PatientId = patientId,
            DeviceId = "monitor-1",
            SequenceNumber = 1,
            ObservedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2025, 3, 1, 8, 30, 0, TimeSpan.Zero)),
            Code = new VitalCode { Loinc = "8867-4" },
            Value = 72,
            Unit = "/min",
        },
    };

    private static string Header(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : throw new KeyNotFoundException($"No {name} header.");

    private sealed class RunningHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }
}
