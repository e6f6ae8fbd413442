using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.AnomalyDetection.Extensions;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Kafka.Tests;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.AnomalyDetection.Tests;

/// <summary>
/// The service's consumer in-process against the embedded Kafka over TCP: what it measures per reading, under the
/// names the README documents.
/// </summary>
public sealed class DetectionMetricsTests : IDisposable
{
    private const string PatientId = "patient-metrics";
    private const int Count = 30;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly KafkaTopics _topics;
    private readonly EmbeddedKafka _kafka;

    public DetectionMetricsTests()
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
        _kafka = EmbeddedKafka.Start([.. new[] { _topics.Telemetry, _topics.Anomalies, _topics.DetectorState, _topics.DeadLetter, _topics.Consent }.Select(name => new TopicSpec(name, 1, false)), new TopicSpec(_topics.PatientSettings, 1, Compacted: true)], brokerCount: 1);
    }

    [Fact]
    public async Task Each_reading_is_timed_through_the_detectors_by_vital_and_counted_into_pipeline_latency_and_consumer_lag()
    {
        using var host = Build();
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>(), "VitalTwin.AnomalyDetection", PipelineMetrics.MeterName, KafkaMetrics.MeterName);
        await host.StartAsync(CancellationToken.None);
        try
        {
            await host.Services.GetRequiredService<TelemetryConsumer>().Assigned.WaitAsync(Timeout);
            var producer = host.Services.GetRequiredService<EventProducer>();
            var observedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
            for (var i = 0; i < Count; i++)
            {
                var recorded = new VitalSignsRecorded
                {
                    EventId = $"monitor-1/{i}",
                    Reading = new VitalSignReading
                    {
                        PatientId = PatientId,
                        DeviceId = "monitor-1",
                        SequenceNumber = (ulong)i,
                        ObservedAt = Timestamp.FromDateTimeOffset(observedAt.AddSeconds(i)),
                        Code = new VitalCode { Loinc = "8867-4" },
                        Value = 70 + (i % 3),
                        Unit = "/min",
                    },
                };
                await producer.PublishAsync(_topics.Telemetry, PatientId, recorded, recorded.EventId, CancellationToken.None);
            }

            var seen = await metrics.WaitForAsync(
                m => m.Count(x => x.Instrument == PipelineMetrics.Latency) == Count
                    && m.LastOrDefault(x => x.Instrument == KafkaMetrics.ConsumerLag && x.Tag("messaging.destination.name") == _topics.Telemetry)?.Value == 0,
                Timeout);

            var detection = seen.Where(m => m.Instrument == "vitaltwin.detection.point.duration").ToList();
            Assert.Equal(Count, detection.Count);
            Assert.All(detection, m => Assert.Equal(("s", "HeartRate"), (m.Unit, m.Tag("vital"))));
            Assert.All(detection, m => Assert.InRange(m.Value, 0, 1));
            var latency = seen.Where(m => m.Instrument == PipelineMetrics.Latency).ToList();
            Assert.All(latency, m => Assert.Equal("VitalTwin.AnomalyDetection.Tests", m.Tag("service")));
            // Observed a minute ago, give or take the half minute the readings span and the time the test took.
            Assert.All(latency, m => Assert.InRange(m.Value, 30, 30 + Timeout.TotalSeconds + 60));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
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
        });
        builder.Services.AddKafka();
        builder.AddAnomalyDetection();
        return builder.Build();
    }

    public void Dispose() => _kafka.Dispose();
}
