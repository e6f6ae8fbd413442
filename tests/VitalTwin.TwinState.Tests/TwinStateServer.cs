using Confluent.Kafka;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Extensions;
using VitalTwin.TwinState.History;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// TwinState as its Program wires it (service defaults with bearer authentication, consumer, history, snapshots,
/// TwinQuery over gRPC), served by Kestrel over HTTP/2 on free loopback ports, against the embedded Kafka; its
/// client calls as staff with every role.
/// </summary>
internal sealed class TwinStateServer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private bool _stopped;

    private TwinStateServer(WebApplication app, string address, GrpcChannel channel)
    {
        _app = app;
        Address = address;
        Channel = channel;
        Query = new TwinQuery.TwinQueryClient(channel);
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The gRPC address it serves on.</summary>
    public string Address { get; }

    public GrpcChannel Channel { get; }

    public TwinQuery.TwinQueryClient Query { get; }

    public TwinRegistry Twins => Services.GetRequiredService<TwinRegistry>();

    public IVitalsStore History => Services.GetRequiredService<IVitalsStore>();

    public static async Task<TwinStateServer> StartAsync(
        EmbeddedKafkaFixture cluster,
        KafkaTopics topics,
        string groupId,
        IDictionary<string, string?>? overrides = null,
        ILoggerProvider? logs = null,
        TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.TwinState", EnvironmentName = "Production" });
        var settings = cluster.Settings(topics, groupId);
        // The service's own endpoints, on free ports.
        settings["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Http:Protocols"] = "Http2";
        // Checkpoints (snapshots, history, offsets) within a test's patience.
        settings["TwinState:Durability:CheckpointInterval"] = "00:00:00.200";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.AddServiceDefaults();
        builder.AddTwinState();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapTwinState();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new TwinStateServer(app, address, ApiCallers.Channel(address, cluster.Tokens.StaffToken()));
        await app.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Patience);
        return server;
    }

    public Task PublishHeartRateAsync(KafkaTopics topics, string patientId, ulong sequence, DateTimeOffset observedAt)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"monitor-{patientId}/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = patientId,
                DeviceId = $"monitor-{patientId}",
                SequenceNumber = sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
                Code = new VitalCode { Loinc = "8867-4" },
                Value = 70 + (sequence % 5),
                Unit = "/min",
            },
        };
        return Services.GetRequiredService<EventProducer>().PublishAsync(topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }

    public Task PublishConsentAsync(KafkaTopics topics, string patientId, ConsentState state)
    {
        var recorded = new ConsentRecorded
        {
            PatientId = patientId,
            State = state,
            RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            RecordedBy = "registrar-test",
            Reference = "form-7",
        };
        return Services.GetRequiredService<EventProducer>().PublishAsync(topics.Consent, patientId, recorded, Guid.NewGuid().ToString("N"), CancellationToken.None);
    }

    /// <summary>How many readings the patient's twin has applied; 0 when there is no twin.</summary>
    public ulong ReadingsApplied(string patientId) => Twins.TryGet(patientId, out var twin) ? twin!.Snapshot().ReadingsApplied : 0;

    /// <summary>A graceful stop, as on SIGTERM: the consumer checkpoints, commits and leaves its group.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    // Stopped before disposed, so that no Kafka client outlives the test and the embedded cluster it talks to.
    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Waits, on a short timer and within a deadline, for state the service reaches asynchronously.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TwinStateServer.Patience);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        try
        {
            do
            {
                if (await condition())
                {
                    return;
                }
            }
            while (await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Not reached within {TwinStateServer.Patience}: {what}");
    }

    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(() => Task.FromResult(condition()), what);
}

/// <summary>The records of a compacted topic's only partition, read from its start to its current end.</summary>
internal static class TopicRecords
{
    public static IReadOnlyList<(string Key, byte[]? Value)> Read(string bootstrapServers, string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = $"test-reader-{Guid.NewGuid():N}", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var partition = new TopicPartition(topic, 0);
        var end = consumer.QueryWatermarkOffsets(partition, TwinStateServer.Patience).High;
        var records = new List<(string, byte[]?)>();
        if (end.Value == 0)
        {
            return records;
        }

        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        using var deadline = new CancellationTokenSource(TwinStateServer.Patience);
        while (true)
        {
            var result = consumer.Consume(deadline.Token);
            records.Add((result.Message.Key, result.Message.Value));
            if (result.Offset.Value >= end.Value - 1)
            {
                return records;
            }
        }
    }
}
