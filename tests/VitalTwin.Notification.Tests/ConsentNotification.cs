using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.PersonalSettings;
using VitalTwin.Consent;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Notification.Core;
using VitalTwin.Notification.Extensions;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.TwinState.Tests;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// An embedded Kafka with Notification's topics (the consent topic among them), on which Notification instances are
/// started and stopped as its Program wires the alerting, each on fake time that a test moves as the lifecycle tests do.
/// </summary>
internal sealed class ConsentNotification : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly EmbeddedKafka _kafka;

    public ConsentNotification()
    {
        var unique = Guid.NewGuid().ToString("N");
        Topics = new KafkaTopics
        {
            Anomalies = $"test-anomalies-{unique}",
            TwinEvents = $"test-twin-events-{unique}",
            Alerts = $"test-alerts-{unique}",
            DeadLetter = $"test-deadletter-{unique}",
            Consent = $"test-consent-{unique}",
            PatientSettings = $"test-patient-settings-{unique}",
        };
        _kafka = EmbeddedKafka.Start(
            [.. new[] { Topics.Anomalies, Topics.TwinEvents, Topics.Alerts, Topics.DeadLetter, Topics.Consent }.Select(name => new TopicSpec(name, 1, Compacted: false)),
                new TopicSpec(Topics.PatientSettings, 1, Compacted: true)],
            brokerCount: 1);
    }

    public KafkaTopics Topics { get; }

    /// <summary>Starts a Notification in consumer group <paramref name="groupId"/> and waits until it owns its partitions.</summary>
    public async Task<RunningNotification> StartAsync(string groupId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Notification", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
            ["Kafka:GroupId"] = groupId,
            // The mock makes a member that joins after the last one left wait the session timeout (less a second): a
            // restart in the same group then waits 5 s; librdkafka heartbeats every 3 s, so no shorter.
            ["Kafka:SessionTimeout"] = "00:00:06",
            ["Kafka:Topics:Anomalies"] = Topics.Anomalies,
            // These hosts raise alerts from spikes to test the lifecycle; spikes do not alert as shipped.
            ["AlertPolicy:AlertOnSpikes"] = "true",
            ["Kafka:Topics:TwinEvents"] = Topics.TwinEvents,
            ["Kafka:Topics:Alerts"] = Topics.Alerts,
            ["Kafka:Topics:DeadLetter"] = Topics.DeadLetter,
            ["Kafka:Topics:Consent"] = Topics.Consent,
            ["Kafka:Topics:PatientSettings"] = Topics.PatientSettings,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddKafka();
        builder.AddAlertLifecycle();
        builder.AddAlerting();
        // Registered last, so it is the one every part resolves: escalation timers and the policy's clock run on it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        builder.Services.AddSingleton<TimeProvider>(clock);
        var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<AlertConsumer>().Assigned.WaitAsync(Patience);
        return new RunningNotification(host, clock, Topics);
    }

    /// <summary>The alert events on the alerts topic, in order.</summary>
    public IReadOnlyList<IMessage> AlertEvents() =>
        AuditTopic.Read(_kafka.BootstrapServers, Topics.Alerts)
            .Select(r => AlertTopicRecords.Parse(r.Schema, r.Value))
            .OfType<IMessage>()
            .ToList();

    /// <summary>Records a consent as the ConsentRegistry does, whether or not a Notification is running.</summary>
    public async Task PublishConsentAsync(string patientId, ConsentState state)
    {
        var recorded = new ConsentRecorded
        {
            PatientId = patientId,
            State = state,
            RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            RecordedBy = "registrar-1",
            Reference = "form-17",
        };
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers, EnableIdempotence = true }).Build();
        await producer.ProduceAsync(Topics.Consent, new Message<string, byte[]>
        {
            Key = patientId,
            Value = recorded.ToByteArray(),
            Headers = new Headers
            {
                { EventHeaders.Schema, Encoding.UTF8.GetBytes(ConsentRecorded.Descriptor.FullName) },
                { EventHeaders.ContentType, Encoding.UTF8.GetBytes(EventHeaders.ProtobufContentType) },
                { EventHeaders.MessageId, Encoding.UTF8.GetBytes($"consent/{Guid.NewGuid():N}") },
            },
        });
    }

    public int DeadLettered() => AuditTopic.Read(_kafka.BootstrapServers, Topics.DeadLetter).Count;

    /// <summary>Whether <paramref name="groupId"/> has committed every input topic up to its end.</summary>
    public bool CommittedToEnd(string groupId)
    {
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = groupId }).Build();
        var partitions = new[] { Topics.Consent, Topics.TwinEvents, Topics.Anomalies }.Select(topic => new TopicPartition(topic, 0)).ToList();
        var committed = reader.Committed(partitions, Patience);
        return partitions.All(p => committed.Single(c => c.TopicPartition == p).Offset.Value == reader.QueryWatermarkOffsets(p, Patience).High.Value);
    }

    public void Dispose() => _kafka.Dispose();
}

/// <summary>One running Notification: what it holds, its fake clock, and its producer to write its input topics with.</summary>
internal sealed class RunningNotification(IHost host, FakeTimeProvider clock, KafkaTopics topics) : IAsyncDisposable
{
    public FakeTimeProvider Clock { get; } = clock;

    public AlertBook Book => host.Services.GetRequiredService<AlertBook>();

    public TimerScheduleMessageProvider Timers => host.Services.GetRequiredService<TimerScheduleMessageProvider>();

    public AlertPolicy Policy => host.Services.GetRequiredService<AlertPolicy>();

    public PatientWards Wards => host.Services.GetRequiredService<PatientWards>();

    /// <summary>Whether the consents held for the only partition let the patient's events through.</summary>
    public bool MayProcess(string patientId) => host.Services.GetRequiredService<PartitionConsents>().MayProcess(0, patientId);

    private EventProducer Producer => host.Services.GetRequiredService<EventProducer>();

    /// <summary>Every alert of the patient the book holds, resolved ones too.</summary>
    public IReadOnlyList<AlertView> AlertsOf(string patientId) =>
        Book.List(new AlertFilter { PatientId = patientId, States = { Enum.GetValues<AlertState>() } }, 500, null).Page;

    /// <summary>A NEWS2 change observed now (or at <paramref name="observedAt"/>); 7 is high risk (an alert escalating every two minutes), 0 raises nothing.</summary>
    public Task PublishNews2Async(string patientId, int total, DateTimeOffset? observedAt = null)
    {
        var changed = new TwinNews2Changed
        {
            EventId = $"news2/{Guid.NewGuid():N}",
            PatientId = patientId,
            News2 = new News2Score { Total = total, Risk = total >= 7 ? News2Risk.High : News2Risk.Low, Complete = true },
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt ?? Clock.GetUtcNow()),
            Ward = "ward-a",
        };
        // Seven parameters: respiration 2, SpO2 1, air 0, systolic 1, pulse 2, consciousness 0, temperature 1 = 7.
        int[] scores = total >= 7 ? [2, 1, 0, 1, 2, 0, 1] : [0, 0, 0, 0, 0, 0, 0];
        for (var i = 0; i < scores.Length; i++)
        {
            changed.News2.SubScores.Add(new News2SubScore { Parameter = (News2Parameter)(i + 1), Score = scores[i] });
        }
        return Producer.PublishAsync(topics.TwinEvents, patientId, changed, changed.EventId, CancellationToken.None);
    }

    /// <summary>
    /// A heart-rate spike upwards observed now (or at <paramref name="observedAt"/>), which alerts a patient without an open
    /// spike alert; its event id is new unless <paramref name="eventId"/> is given.
    /// </summary>
    public Task PublishSpikeAsync(string patientId, DateTimeOffset? observedAt = null, string? eventId = null)
    {
        var detected = new AnomalyDetected
        {
            EventId = eventId ?? $"spike/{Guid.NewGuid():N}",
            PatientId = patientId,
            Code = new VitalCode { Loinc = "8867-4" },
            Value = 148,
            Unit = "/min",
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt ?? Clock.GetUtcNow()),
            Kind = AnomalyKind.Spike,
            Detector = Detector.IidSpike,
            Direction = Direction.Up,
            PValue = 0.001,
            BaselineMean = 72,
            PersonalBaseline = 72,
        };
        return Producer.PublishAsync(topics.Anomalies, patientId, detected, detected.EventId, CancellationToken.None);
    }

    /// <summary>Publishes a patient's settings as TwinState does, and waits until this Notification's settings book holds them.</summary>
    public async Task PublishSettingsAsync(PatientAlarmSettings settings)
    {
        var messageId = $"settings/{Guid.NewGuid():N}";
        var applied = host.Services.GetRequiredService<AlarmSettingsFollower>().WhenApplied(messageId, CancellationToken.None);
        await Producer.PublishAsync(topics.PatientSettings, settings.PatientId, settings, messageId, CancellationToken.None);
        await applied.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A NEWS2 change whose only non-zero score is the pulse's, with the heart rate the twin scored.</summary>
    public Task PublishPulseAsync(string patientId, double pulse, int pulseScore, DateTimeOffset observedAt)
    {
        var changed = new TwinNews2Changed
        {
            EventId = $"news2/{Guid.NewGuid():N}",
            PatientId = patientId,
            News2 = new News2Score { Total = pulseScore, Risk = pulseScore >= 3 ? News2Risk.LowMedium : News2Risk.Low, Complete = true },
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
            Ward = "ward-a",
        };
        foreach (var parameter in Enum.GetValues<News2Parameter>().Where(p => p != News2Parameter.Unspecified))
        {
            changed.News2.SubScores.Add(new News2SubScore { Parameter = parameter, Score = parameter == News2Parameter.Pulse ? pulseScore : 0 });
        }
        changed.Vitals.Add(new LatestVital { Code = new VitalCode { Loinc = "8867-4" }, Name = "Heart rate", Value = pulse, Unit = "/min", ObservedAt = changed.ObservedAt });
        return Producer.PublishAsync(topics.TwinEvents, patientId, changed, changed.EventId, CancellationToken.None);
    }

    /// <summary>The patient moved to <paramref name="ward"/>, as TwinState announces it.</summary>
    public Task PublishWardChangeAsync(string patientId, string ward)
    {
        var changed = new TwinWardChanged
        {
            EventId = $"ward/{Guid.NewGuid():N}",
            PatientId = patientId,
            Ward = ward,
            PreviousWard = "ward-a",
            ChangedAt = Timestamp.FromDateTimeOffset(Clock.GetUtcNow()),
        };
        return Producer.PublishAsync(topics.TwinEvents, patientId, changed, changed.EventId, CancellationToken.None);
    }

    /// <summary>Stops as SIGTERM would: the consumer closes and commits what it handled.</summary>
    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
