using Grpc.Core;
using Metadata = Grpc.Core.Metadata;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Extensions;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// TwinState as its Program wires it (service defaults with bearer authentication, Kestrel over HTTP/2 on a free
/// port) against an embedded Kafka of its own, seeded with patients on two wards and one on none, each with a heart
/// rate of its own that no audit record may contain. Tests call it as different staff: each mints tokens under a
/// subject of its own and finds its audit records by that subject.
/// </summary>
public sealed class SecuredTwinState : IAsyncLifetime
{
    public const string WardA = "ward-a";
    public const string WardB = "ward-b";
    public const string PatientA = "auth-patient-a";
    public const string PatientB = "auth-patient-b";
    public const string Unplaced = "auth-patient-unplaced";
    public const string Mover = "auth-patient-mover";
    public const string OpenAnomalyId = "auth-anomaly-a";

    /// <summary>Each patient's heart rate, and the value of patient A's anomaly: values no other number here has.</summary>
    public static readonly IReadOnlyDictionary<string, double> HeartRates = new Dictionary<string, double>
    {
        [PatientA] = 87.625,
        [PatientB] = 93.375,
        [Unplaced] = 77.125,
        [Mover] = 66.875,
    };

    public const double AnomalyValue = 143.8125;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly EmbeddedKafkaFixture _cluster = new();
    private readonly List<GrpcChannel> _channels = [];
    private WebApplication _app = null!;
    private string _address = null!;
    private TwinQuery.TwinQueryClient? _staff;

    public KafkaTopics Topics { get; private set; } = null!;

    public LocalTokenIssuer Tokens => _cluster.Tokens;

    public Core.TwinRegistry Twins => _app.Services.GetRequiredService<Core.TwinRegistry>();

    public EventProducer Producer => _app.Services.GetRequiredService<EventProducer>();

    /// <summary>A token valid now for an hour, for <paramref name="subject"/> with <paramref name="roles"/> on <paramref name="wards"/>.</summary>
    public string Token(string subject, string[] roles, params string[] wards) => Tokens.Mint(subject, roles, wards);

    /// <summary>A client whose calls carry <paramref name="bearerToken"/> (none when null).</summary>
    public TwinQuery.TwinQueryClient Query(string? bearerToken)
    {
        var channel = ApiCallers.Channel(_address, bearerToken);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return new TwinQuery.TwinQueryClient(channel);
    }

    /// <summary>A TwinWhatIf client whose calls carry <paramref name="bearerToken"/> (none when null).</summary>
    public TwinWhatIf.TwinWhatIfClient WhatIf(string? bearerToken)
    {
        var channel = ApiCallers.Channel(_address, bearerToken);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return new TwinWhatIf.TwinWhatIfClient(channel);
    }

    /// <summary>Every role on every ward: how the seeding places patients.</summary>
    public TwinQuery.TwinQueryClient Staff => _staff ??= Query(Tokens.StaffToken());

    /// <summary>Headers saying why the data is read.</summary>
    public static Metadata Purpose(string purpose) => new() { { ApiAuthentication.PurposeHeader, purpose } };

    public async Task InitializeAsync()
    {
        Topics = _cluster.CreateTopics();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.TwinState", EnvironmentName = "Production" });
        var settings = _cluster.Settings(Topics, $"test-twin-state-{Guid.NewGuid():N}");
        settings["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Http:Protocols"] = "Http2";
        // History is written at checkpoints: within a test's patience.
        settings["TwinState:Durability:CheckpointInterval"] = "00:00:00.200";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddTwinState();
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapTwinState();
        await _app.StartAsync();
        _address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await _app.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Patience);

        var now = DateTimeOffset.UtcNow;
        foreach (var (patientId, value) in HeartRates)
        {
            await PublishHeartRateAsync(patientId, value, sequence: 1, now);
        }
        await PublishAnomalyAsync(PatientA, OpenAnomalyId, now);
        await WaitUntilAsync(() => HeartRates.Keys.All(id => Twins.TryGet(id, out var twin) && twin!.Snapshot().ReadingsApplied == 1)
            && Twins.TryGet(PatientA, out var a) && a!.Snapshot().OpenAnomalies.Count == 1);
        foreach (var (patientId, ward) in new[] { (PatientA, WardA), (PatientB, WardB), (Mover, WardA) })
        {
            await Staff.SetPatientContextAsync(new SetPatientContextRequest { PatientId = patientId, Context = new PatientContext { Ward = ward }, RecordedBy = "ward-clerk" });
        }
    }

    /// <summary>Waits, polling on a short timer within a deadline, for state the service reaches asynchronously.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Patience);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (!condition())
        {
            await poll.WaitForNextTickAsync(deadline.Token);
        }
    }

    public Task PublishHeartRateAsync(string patientId, double value, ulong sequence, DateTimeOffset observedAt)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"auth-monitor-{patientId}/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = patientId,
                DeviceId = $"auth-monitor-{patientId}",
                SequenceNumber = sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
                Code = new VitalCode { Loinc = "8867-4" },
                Value = value,
                Unit = "/min",
            },
        };
        return Producer.PublishAsync(Topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }

    private Task PublishAnomalyAsync(string patientId, string anomalyId, DateTimeOffset observedAt)
    {
        var detected = new AnomalyDetected
        {
            EventId = anomalyId,
            PatientId = patientId,
            Code = new VitalCode { Loinc = "8867-4" },
            Value = AnomalyValue,
            Unit = "/min",
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
            Kind = AnomalyKind.Spike,
            Detector = Detector.IidSpike,
            Direction = Direction.Up,
            DeviceId = $"auth-monitor-{patientId}",
        };
        return Producer.PublishAsync(Topics.Anomalies, patientId, detected, detected.EventId, CancellationToken.None);
    }

    /// <summary>The audit records of <paramref name="actor"/>, with their bytes as they are on the topic.</summary>
    public IReadOnlyList<(AccessAudited Audited, byte[] Bytes, string Key)> Audited(string actor) =>
        AuditTopic.Read(_cluster.Kafka.BootstrapServers, Topics.Audit)
            .Select(r => (Audited: AccessAudited.Parser.ParseFrom(r.Value), r.Value, r.Key))
            .Where(r => r.Audited.Actor == actor)
            .ToList();

    /// <summary>The ward changes on the twin-events topic, in order.</summary>
    public IReadOnlyList<TwinWardChanged> WardChanges() =>
        AuditTopic.Read(_cluster.Kafka.BootstrapServers, Topics.TwinEvents)
            .Where(r => r.Schema == TwinWardChanged.Descriptor.FullName)
            .Select(r => TwinWardChanged.Parser.ParseFrom(r.Value))
            .ToList();

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _cluster.Dispose();
    }
}
