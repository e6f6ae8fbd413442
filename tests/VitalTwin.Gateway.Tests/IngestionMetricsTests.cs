using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Devices;
using VitalTwin.Gateway.Extensions;
using VitalTwin.Gateway.Ingestion;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Kafka.Tests;

namespace VitalTwin.Gateway.Tests;

/// <summary>The ingest rate and rejects by reason, counted by the Gateway's ingestor once the embedded Kafka has the readings.</summary>
public sealed class IngestionMetricsTests : IDisposable
{
    private readonly KafkaTopics _topics = new()
    {
        Telemetry = $"test-telemetry-{Guid.NewGuid():N}",
        TelemetryRejected = $"test-rejected-{Guid.NewGuid():N}",
    };

    private readonly EmbeddedKafka _kafka;

    public IngestionMetricsTests()
    {
        _kafka = EmbeddedKafka.Start([new TopicSpec(_topics.Telemetry, 1, false), new TopicSpec(_topics.TelemetryRejected, 1, false)], brokerCount: 1);
    }

    [Fact]
    public async Task Accepted_readings_rejects_by_reason_and_the_gateways_pipeline_latency_are_measured_under_their_documented_names()
    {
        using var services = Services();
        using var metrics = new MetricRecorder(services.GetRequiredService<IMeterFactory>(), IngestionMetrics.MeterName, PipelineMetrics.MeterName);
        var batch = new VitalSignBatch
        {
            Readings =
            {
                Readings.HeartRate(72, Readings.Now.AddSeconds(-3)),
                Readings.HeartRate(74, Readings.Now.AddSeconds(-2)),
                Readings.HeartRate(400),
                Readings.Reading("0000-0", string.Empty, 1, "/min"),
                Readings.Reading("0000-0", string.Empty, 1, "/min"),
                Readings.HeartRate(75),
            },
        };
        // Sent on the call of another device than the one it names.
        batch.Readings[^1].DeviceId = "monitor-of-someone-else";
        // Distinct sequence numbers: the Gateway acknowledges a repeated one without storing it again.
        for (var i = 0; i < batch.Readings.Count; i++)
        {
            batch.Readings[i].SequenceNumber = (ulong)i + 1;
        }

        var ack = new IngestAck();
        await services.GetRequiredService<ReadingIngestor>().IngestAsync(batch.Readings, Sender.Device(Readings.DeviceId), 0, ack, CancellationToken.None);

        var accepted = metrics.Of("vitaltwin.gateway.readings.accepted");
        var rejected = metrics.Of("vitaltwin.gateway.readings.rejected");
        var latency = metrics.Of(PipelineMetrics.Latency);
        Assert.Equal((2u, 4u), (ack.Accepted, ack.Rejected));
        Assert.Equal(2, accepted.Sum(m => m.Value));
        Assert.All(accepted, m => Assert.Equal("{reading}", m.Unit));
        Assert.Equal(
            [("DeviceMismatch", 1.0), ("OutOfRange", 1.0), ("UnknownVital", 2.0)],
            rejected.GroupBy(m => m.Tag("reason")).Select(g => (g.Key!, g.Sum(m => m.Value))).Order());
        Assert.Equal([2.0, 3.0], latency.Select(m => m.Value).Order());
        Assert.All(latency, m => Assert.Equal("VitalTwin.Gateway.Tests", m.Tag("service")));
    }

    private ServiceProvider Services()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Gateway.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
            ["Kafka:Topics:Telemetry"] = _topics.Telemetry,
            ["Kafka:Topics:TelemetryRejected"] = _topics.TelemetryRejected,
        });
        builder.Services.AddKafka();
        builder.AddGateway();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Readings.Now));
        var services = builder.Services.BuildServiceProvider();
        services.GetRequiredService<DeviceBindings>().Bind(Readings.DeviceId, Readings.PatientId, DateTimeOffset.MinValue);
        services.GetRequiredService<DeviceCredentials>().Registered(Readings.DeviceId, []);
        return services;
    }

    public void Dispose() => _kafka.Dispose();
}
