using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.PersonalSettings;
using VitalTwin.AnomalyDetection.Extensions;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.AnomalyDetection.Tests;

/// <summary>
/// Through the AnomalyDetection host on the embedded Kafka: a patient's settings record on the settings topic makes the
/// detectors on their vital more sensitive, so the same readings publish more findings for them than for a patient
/// without settings, and those findings say why.
/// </summary>
public sealed class PersonalSensitivityHostTests : IDisposable
{
    private const string Sensitive = "patient-high-sensitivity", ByDefault = "patient-standard-sensitivity";
    private const int Streamed = 1200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Observed = DateTimeOffset.UtcNow.AddMinutes(-30);

    private readonly KafkaTopics _topics;
    private readonly EmbeddedKafka _kafka;

    public PersonalSensitivityHostTests()
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
            [.. new[] { _topics.Telemetry, _topics.Anomalies, _topics.DetectorState, _topics.DeadLetter, _topics.Consent }.Select(name => new TopicSpec(name, 1, false)),
                new TopicSpec(_topics.PatientSettings, 1, Compacted: true)],
            brokerCount: 1);
    }

    [Fact]
    public async Task A_high_sensitivity_setting_publishes_more_findings_for_the_same_readings_and_they_say_so()
    {
        using var host = Build();
        await host.StartAsync(CancellationToken.None);
        try
        {
            await host.Services.GetRequiredService<TelemetryConsumer>().Assigned.WaitAsync(Timeout);
            var producer = host.Services.GetRequiredService<EventProducer>();
            var applied = host.Services.GetRequiredService<AlarmSettingsFollower>().WhenApplied("settings-1", CancellationToken.None);
            await producer.PublishAsync(_topics.PatientSettings, Sensitive, HighHeartRateSensitivity(), "settings-1", CancellationToken.None);
            await applied.WaitAsync(Timeout);

            for (var i = 0; i < Streamed; i++)
            {
                await PublishHeartRateAsync(producer, Sensitive, i);
                await PublishHeartRateAsync(producer, ByDefault, i);
            }
            // The checkpoint of the last offset is written after every finding before it was published.
            await UntilAsync(() => Read(_topics.DetectorState).Any(r => r.Key == ByDefault && r.Value is { } value
                && PatientDetectorCheckpoint.Parser.ParseFrom(value).NextTelemetryOffset == 2 * Streamed));

            var findings = Read(_topics.Anomalies).Select(r => AnomalyDetected.Parser.ParseFrom(r.Value)).ToList();
            var sensitive = findings.Where(f => f.PatientId == Sensitive).ToList();
            var byDefault = findings.Where(f => f.PatientId == ByDefault).ToList();
            Assert.NotEmpty(byDefault);
            Assert.True(sensitive.Count > byDefault.Count, $"HIGH {sensitive.Count}, STANDARD {byDefault.Count}");
            Assert.All(sensitive, f => Assert.Contains("high sensitivity set for this patient", f.Explanation, StringComparison.Ordinal));
            Assert.All(byDefault, f => Assert.DoesNotContain("sensitivity", f.Explanation, StringComparison.Ordinal));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static PatientAlarmSettings HighHeartRateSensitivity()
    {
        var settings = new PatientAlarmSettings { PatientId = Sensitive, Version = 1, UpdatedAt = Timestamp.FromDateTimeOffset(Observed) };
        settings.Vitals.Add(new VitalAlarmSetting
        {
            Code = new VitalCode { Loinc = "8867-4" },
            Sensitivity = DetectorSensitivity.High,
            Provenance = new SettingProvenance
            {
                Reason = "Post-operative, watch the pulse closely",
                Author = "dr-lee",
                SetAt = Timestamp.FromDateTimeOffset(Observed.AddHours(-1)),
                ExpiresAt = Timestamp.FromDateTimeOffset(Observed.AddDays(1)),
            },
        });
        return settings;
    }

    private Task PublishHeartRateAsync(EventProducer producer, string patientId, int sequence)
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
                Value = PersonalSensitivityTests.Series[sequence],
                Unit = "/min",
            },
        };
        return producer.PublishAsync(_topics.Telemetry, patientId, recorded, recorded.EventId, CancellationToken.None);
    }

    /// <summary>Every record of a topic's only partition, in order.</summary>
    private List<(string Key, byte[]? Value)> Read(string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = $"test-reader-{Guid.NewGuid():N}", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var partition = new TopicPartition(topic, 0);
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

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!condition())
        {
            await poll.WaitForNextTickAsync(deadline.Token);
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
