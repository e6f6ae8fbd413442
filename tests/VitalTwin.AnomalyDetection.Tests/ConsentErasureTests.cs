using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.AnomalyDetection.Extensions;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Kafka.Tests;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.AnomalyDetection.Tests;

/// <summary>
/// Issue 8 in AnomalyDetection: a withdrawal drops the patient's detectors and baselines, tombstones their checkpoint
/// on the detector-state topic, and their later readings reach no detector; nothing of them is restored or rebuilt by
/// an instance started afterwards. The service's consumer runs in-process against the embedded Kafka over TCP.
/// </summary>
public sealed class ConsentErasureTests : IDisposable
{
    private const string Withdrawn = "patient-withdrawing";
    private const string Other = "patient-staying";
    private const int Streamed = 20;
    private const string DetectorTiming = "vitaltwin.detection.point.duration";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Observed = DateTimeOffset.UtcNow.AddMinutes(-10);

    private readonly KafkaTopics _topics;
    private readonly EmbeddedKafka _kafka;

    public ConsentErasureTests()
    {
        var unique = Guid.NewGuid().ToString("N");
        _topics = new KafkaTopics
        {
            Telemetry = $"test-telemetry-{unique}",
            Anomalies = $"test-anomalies-{unique}",
            DetectorState = $"test-detector-state-{unique}",
            DeadLetter = $"test-deadletter-{unique}",
            Consent = $"test-consent-{unique}",
            PatientSettings = $"test-patient-settings-{unique}",
        };
        _kafka = EmbeddedKafka.Start(
            [.. new[] { _topics.Telemetry, _topics.Anomalies, _topics.DetectorState, _topics.DeadLetter, _topics.Consent }.Select(name => new TopicSpec(name, 1, false)), new TopicSpec(_topics.PatientSettings, 1, Compacted: true)],
            brokerCount: 1);
    }

    [Fact]
    public async Task A_withdrawal_tombstones_the_checkpoint_and_later_readings_reach_no_detector_while_another_patient_is_untouched()
    {
        using var host = Build();
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>(), "VitalTwin.AnomalyDetection");
        await host.StartAsync(CancellationToken.None);
        try
        {
            await StreamAndWithdrawAsync(host);
            var timedBefore = metrics.Of(DetectorTiming).Count;

            for (var i = 0; i < 5; i++)
            {
                await PublishHeartRateAsync(host, Withdrawn, Streamed + i);
            }
            await PublishHeartRateAsync(host, Other, Streamed);
            await CheckpointOfAsync(Other, nextOffset: (2 * Streamed) + 6);

            Assert.Equal(timedBefore + 1, metrics.Of(DetectorTiming).Count);
            var state = DetectorState();
            Assert.Equal((Withdrawn, (byte[]?)null), state.Last(r => r.Key == Withdrawn));
            Assert.DoesNotContain(state, r => r.Key == Other && r.Value is null);
            var restored = host.Services.GetRequiredService<DetectorStateStore>().Load(0, CancellationToken.None);
            Assert.Equal([Other], restored.Keys);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_instance_started_after_the_withdrawal_neither_restores_nor_rebuilds_the_patients_detectors()
    {
        using (var first = Build())
        {
            await first.StartAsync(CancellationToken.None);
            try
            {
                await StreamAndWithdrawAsync(first);
            }
            finally
            {
                await first.StopAsync(CancellationToken.None);
            }
        }

        // A new consumer group replays the whole telemetry topic, the withdrawn patient's readings included.
        using var restarted = Build();
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            await restarted.Services.GetRequiredService<TelemetryConsumer>().Assigned.WaitAsync(Timeout);
            await PublishHeartRateAsync(restarted, Other, Streamed);
            await CheckpointOfAsync(Other, nextOffset: (2 * Streamed) + 1);

            Assert.Equal((Withdrawn, (byte[]?)null), DetectorState().Last(r => r.Key == Withdrawn));
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Both patients stream until both are checkpointed; then the patient withdraws and the tombstone is in Kafka.</summary>
    private async Task StreamAndWithdrawAsync(IHost host)
    {
        await host.Services.GetRequiredService<TelemetryConsumer>().Assigned.WaitAsync(Timeout);
        for (var i = 0; i < Streamed; i++)
        {
            await PublishHeartRateAsync(host, Withdrawn, i);
            await PublishHeartRateAsync(host, Other, i);
        }
        await CheckpointOfAsync(Withdrawn, nextOffset: 2 * Streamed);

        var withdrawal = new ConsentRecorded
        {
            PatientId = Withdrawn,
            State = ConsentState.Withdrawn,
            RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            RecordedBy = "registrar-test",
        };
        await host.Services.GetRequiredService<EventProducer>().PublishAsync(_topics.Consent, Withdrawn, withdrawal, "consent-1", CancellationToken.None);
        await UntilAsync(() => DetectorState().Any(r => r.Key == Withdrawn && r.Value is null), "the withdrawn patient's checkpoint tombstoned");
    }

    private Task CheckpointOfAsync(string patientId, long nextOffset) =>
        UntilAsync(
            () => DetectorState().Any(r => r.Key == patientId && r.Value is { } value && PatientDetectorCheckpoint.Parser.ParseFrom(value).NextTelemetryOffset == nextOffset),
            $"a checkpoint of {patientId} up to offset {nextOffset}");

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        try
        {
            do
            {
                if (condition())
                {
                    return;
                }
            }
            while (await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"Not reached within {Timeout}: {what}");
    }

    private Task PublishHeartRateAsync(IHost host, string patientId, int sequence)
    {
        var recorded = new VitalSignsRecorded
        {
            EventId = $"monitor-{patientId}/{sequence}",
            Reading = new VitalSignReading
            {
                PatientId = patientId,
                DeviceId = $"monitor-{patientId}",
                SequenceNumber = (ulong)sequence,
                ObservedAt = Timestamp.FromDateTimeOffset(Observed.AddSeconds(sequence)),
                Code = new VitalCode { Loinc = "8867-4" },
                Value = 70 + (sequence % 3),
                Unit = "/min",
            },
        };
        return host.Services.GetRequiredService<EventProducer>().PublishAsync(_topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }

    /// <summary>Every record of the detector-state topic, in order: (patient, checkpoint bytes or null for a tombstone).</summary>
    private List<(string Key, byte[]? Value)> DetectorState()
    {
        var config = new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = $"test-reader-{Guid.NewGuid():N}", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var partition = new TopicPartition(_topics.DetectorState, 0);
        var end = consumer.QueryWatermarkOffsets(partition, Timeout).High.Value;
        var records = new List<(string, byte[]?)>();
        if (end == 0)
        {
            return records;
        }

        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = consumer.Consume(deadline.Token);
            records.Add((result.Message.Key, result.Message.Value));
            if (result.Offset.Value >= end - 1)
            {
                return records;
            }
        }
    }

    private IHost Build()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.AnomalyDetection.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
            ["Kafka:GroupId"] = $"test-anomaly-detection-{Guid.NewGuid():N}",
            ["Kafka:Topics:Telemetry"] = _topics.Telemetry,
            ["Kafka:Topics:Anomalies"] = _topics.Anomalies,
            ["Kafka:Topics:DetectorState"] = _topics.DetectorState,
            ["Kafka:Topics:DeadLetter"] = _topics.DeadLetter,
            ["Kafka:Topics:Consent"] = _topics.Consent,
            ["Kafka:Topics:PatientSettings"] = _topics.PatientSettings,
            ["Detection:CheckpointInterval"] = "00:00:00.200",
        });
        builder.Services.AddKafka();
        builder.AddAnomalyDetection();
        return builder.Build();
    }

    public void Dispose() => _kafka.Dispose();
}
