using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Notification.Extensions;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Tests;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Notification as its Program wires it (service defaults with bearer authentication, the alert lifecycle and
/// policy, AlertDesk over HTTP/2 on a free port) against an embedded Kafka of its own. Seeded through its input
/// topics with NEWS2 alerts for patients on two wards and on none, and an anomaly-only alert for a patient whose
/// ward only an earlier twin event told. Each test calls under subjects of its own and finds its audit records by them.
/// </summary>
public class SecuredNotification : IAsyncLifetime
{
    public const string WardA = "ward-a";
    public const string WardB = "ward-b";
    public const string PatientA = "alert-patient-a";
    public const string PatientB = "alert-patient-b";
    public const string Unplaced = "alert-patient-unplaced";
    public const string Spiky = "alert-patient-spiky";

    /// <summary>Vital values no other number here has, which no audit record may contain.</summary>
    public static readonly double[] VitalValues = [117.375, 121.625, 113.875, 151.625, 139.125];

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly EmbeddedKafka _kafka = EmbeddedKafka.Start([]);
    private readonly List<GrpcChannel> _channels = [];
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private WebApplication _app = null!;
    private string _address = null!;

    public SecuredNotification()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <param name="settings">Configuration over the fixture's own, for a host configured otherwise than as shipped.</param>
    protected SecuredNotification(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    public LocalTokenIssuer Tokens { get; } = new();

    public KafkaTopics Topics { get; } = UniqueTopics();

    /// <summary>Every topic Notification reads or writes, under names no other test uses.</summary>
    public static KafkaTopics UniqueTopics() => new()
    {
        Anomalies = $"test-anomalies-{Guid.NewGuid():N}",
        TwinEvents = $"test-twin-events-{Guid.NewGuid():N}",
        Alerts = $"test-alerts-{Guid.NewGuid():N}",
        DeadLetter = $"test-deadletter-{Guid.NewGuid():N}",
        Audit = $"test-audit-{Guid.NewGuid():N}",
        Consent = $"test-consent-{Guid.NewGuid():N}",
        Members = $"test-members-{Guid.NewGuid():N}",
        PatientSettings = $"test-patient-settings-{Guid.NewGuid():N}",
    };

    public AlertBook Book => _app.Services.GetRequiredService<AlertBook>();

    public IServiceProvider Services => _app.Services;

    public EventProducer Producer => _app.Services.GetRequiredService<EventProducer>();

    /// <summary>A token valid now for an hour.</summary>
    public string Token(string subject, string[] roles, params string[] wards) => Tokens.Mint(subject, roles, wards);

    public AlertDesk.AlertDeskClient Desk(string? bearerToken)
    {
        var channel = ApiCallers.Channel(_address, bearerToken);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return new AlertDesk.AlertDeskClient(channel);
    }

    /// <summary>The open alert the seeding raised for the patient.</summary>
    public AlertView AlertOf(string patientId, AlertCondition condition) =>
        Book.List(null, 500, null).Page.Single(v => v.PatientId == patientId && v.Raised.Condition == condition);

    public async Task InitializeAsync()
    {
        foreach (var topic in new[] { Topics.Anomalies, Topics.TwinEvents, Topics.Alerts, Topics.DeadLetter, Topics.Audit, Topics.Consent, Topics.Members, Topics.PatientSettings })
        {
            _kafka.CreateTopic(new TopicSpec(topic, Partitions: 1, Compacted: false));
        }
        var settings = new Dictionary<string, string?> { ["Kafka:GroupId"] = $"test-notification-{Guid.NewGuid():N}" };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }
        _app = await StartAsync(_kafka.BootstrapServers, Topics, Tokens, settings);
        _address = AddressOf(_app);

        var now = DateTimeOffset.UtcNow;
        await PublishNews2Async(PatientA, WardA, total: 7, now, VitalValues[0]);
        await PublishNews2Async(PatientB, WardB, total: 7, now, VitalValues[1]);
        await PublishNews2Async(Unplaced, ward: string.Empty, total: 7, now, VitalValues[2]);
        // A low score raises nothing, but tells Notification the ward the spike alert after it must carry.
        await PublishNews2Async(Spiky, WardA, total: 0, now, pulse: 72);
        // The two input topics are not ordered with each other: the spike goes only once the ward is known.
        await WaitUntilAsync(() => _app.Services.GetRequiredService<PatientWards>().Of(Spiky) == WardA);
        await PublishSpikeAsync(Spiky, VitalValues[3], now);
        await WaitUntilAsync(() => Book.List(null, 500, null).Page.Count == 4);
    }

    /// <summary>
    /// Notification as its Program wires it, on <paramref name="topics"/> of the Kafka at <paramref name="bootstrapServers"/>
    /// with <paramref name="overrides"/> (its consumer group among them), started and holding partitions.
    /// </summary>
    public static async Task<WebApplication> StartAsync(string bootstrapServers, KafkaTopics topics, LocalTokenIssuer tokens, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.Notification", EnvironmentName = "Production" });
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http2",
            ["Kafka:BootstrapServers"] = bootstrapServers,
            ["Kafka:Topics:Anomalies"] = topics.Anomalies,
            // These hosts raise alerts from spikes to test the lifecycle; spikes do not alert as shipped.
            ["AlertPolicy:AlertOnSpikes"] = "true",
            ["Kafka:Topics:TwinEvents"] = topics.TwinEvents,
            ["Kafka:Topics:Alerts"] = topics.Alerts,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
            ["Kafka:Topics:Audit"] = topics.Audit,
            ["Kafka:Topics:Consent"] = topics.Consent,
            ["Kafka:Topics:Members"] = topics.Members,
            ["Kafka:Topics:PatientSettings"] = topics.PatientSettings,
        };
        foreach (var (key, value) in tokens.ServiceConfiguration)
        {
            settings[key] = value;
        }
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        builder.AddAlertLifecycle();
        builder.AddAlerting();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapAlertDesk();
        await app.StartAsync();
        await app.Services.GetRequiredService<AlertConsumer>().Assigned.WaitAsync(Patience);
        return app;
    }

    /// <summary>The gRPC address <paramref name="app"/> serves on.</summary>
    public static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

    public Task PublishNews2Async(string patientId, string ward, int total, DateTimeOffset at, double pulse) =>
        PublishNews2Async(Producer, Topics, patientId, ward, total, at, pulse);

    /// <summary>A NEWS2 change as TwinState announces it: a total of 7 or more raises an alert.</summary>
    public static Task PublishNews2Async(EventProducer producer, KafkaTopics topics, string patientId, string ward, int total, DateTimeOffset at, double pulse)
    {
        var changed = new TwinNews2Changed
        {
            EventId = $"news2/{Guid.NewGuid():N}",
            PatientId = patientId,
            News2 = new News2Score { Total = total, Risk = total >= 7 ? News2Risk.High : News2Risk.Low, Complete = true },
            ObservedAt = Timestamp.FromDateTimeOffset(at),
            Ward = ward,
        };
        // Seven parameters: respiration 2, SpO2 1, air 0, systolic 1, pulse 2, consciousness 0, temperature 1 = 7.
        int[] scores = total >= 7 ? [2, 1, 0, 1, 2, 0, 1] : [0, 0, 0, 0, 0, 0, 0];
        for (var i = 0; i < scores.Length; i++)
        {
            changed.News2.SubScores.Add(new News2SubScore { Parameter = (News2Parameter)(i + 1), Score = scores[i] });
        }
        changed.Vitals.Add(new LatestVital { Code = new VitalCode { Loinc = "8867-4" }, Name = "Heart rate", Value = pulse, Unit = "/min", ObservedAt = changed.ObservedAt });
        return producer.PublishAsync(topics.TwinEvents, patientId, changed, changed.EventId, CancellationToken.None);
    }

    public Task PublishSpikeAsync(string patientId, double value, DateTimeOffset at, string loinc = "8867-4", string unit = "/min")
    {
        var detected = new AnomalyDetected
        {
            EventId = $"spike/{Guid.NewGuid():N}",
            PatientId = patientId,
            Code = new VitalCode { Loinc = loinc },
            Value = value,
            Unit = unit,
            ObservedAt = Timestamp.FromDateTimeOffset(at),
            Kind = AnomalyKind.Spike,
            Detector = Detector.IidSpike,
            Direction = Direction.Up,
            PValue = 0.001,
            BaselineMean = 70,
            PersonalBaseline = 70,
        };
        return Producer.PublishAsync(Topics.Anomalies, patientId, detected, detected.EventId, CancellationToken.None);
    }

    /// <summary>The patient moved from <paramref name="previousWard"/> to <paramref name="ward"/>, as TwinState announces it.</summary>
    public Task PublishWardChangeAsync(string patientId, string ward, string previousWard)
    {
        var changed = new TwinWardChanged
        {
            EventId = $"ward/{Guid.NewGuid():N}",
            PatientId = patientId,
            Ward = ward,
            PreviousWard = previousWard,
            ChangedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        };
        return Producer.PublishAsync(Topics.TwinEvents, patientId, changed, changed.EventId, CancellationToken.None);
    }

    /// <summary>The audit records of <paramref name="actor"/>, with their bytes as they are on the topic.</summary>
    public IReadOnlyList<(AccessAudited Audited, byte[] Bytes, string Key)> Audited(string actor) =>
        AuditTopic.Read(_kafka.BootstrapServers, Topics.Audit)
            .Select(r => (Audited: AccessAudited.Parser.ParseFrom(r.Value), r.Value, r.Key))
            .Where(r => r.Audited.Actor == actor)
            .ToList();

    /// <summary>The alert events on the alerts topic, parsed.</summary>
    public IReadOnlyList<Google.Protobuf.IMessage> AlertEvents() =>
        AuditTopic.Read(_kafka.BootstrapServers, Topics.Alerts)
            .Select(r => AlertTopicRecords.Parse(r.Schema, r.Value))
            .OfType<Google.Protobuf.IMessage>()
            .ToList();

    /// <summary>A caller's name of its own, so one test's actions and audit records are told from another's.</summary>
    public static string Subject(string who) => $"{who}-{Guid.NewGuid():N}";

    /// <summary>The status a call ended with: OK, or the code of the RpcException it threw.</summary>
    public static async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? patience = null)
    {
        using var deadline = new CancellationTokenSource(patience ?? Patience);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (!condition())
        {
            await poll.WaitForNextTickAsync(deadline.Token);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _kafka.Dispose();
        Tokens.Dispose();
    }
}
