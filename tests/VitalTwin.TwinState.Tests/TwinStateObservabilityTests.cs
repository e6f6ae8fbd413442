using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Tests;
using VitalTwin.TwinState.History.Tests.Influx;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>TwinState's part in the pipeline latency, and its readiness following InfluxDB when history goes there.</summary>
public sealed class TwinStateObservabilityTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string PatientId = "patient-observed";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_applied_reading_is_counted_into_the_pipeline_latency_with_the_service_name()
    {
        var topics = cluster.CreateTopics();
        using var host = cluster.BuildTwinState(topics);
        using var metrics = new MetricRecorder(host.Services.GetRequiredService<IMeterFactory>(), PipelineMetrics.MeterName);
        await host.StartAsync(CancellationToken.None);
        try
        {
            await host.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Timeout);
            var recorded = new VitalSignsRecorded
            {
                EventId = "monitor-1/1",
                Reading = new VitalSignReading
                {
                    PatientId = PatientId,
                    DeviceId = "monitor-1",
                    SequenceNumber = 1,
                    ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-2)),
                    Code = new VitalCode { Loinc = "8867-4" },
                    Value = 72,
                    Unit = "/min",
                },
            };
            await host.Services.GetRequiredService<EventProducer>().PublishAsync(topics.Telemetry, PatientId, recorded, recorded.EventId, CancellationToken.None);

            var seen = await metrics.WaitForAsync(m => m.Any(x => x.Instrument == PipelineMetrics.Latency), Timeout);

            var latency = Assert.Single(seen, m => m.Instrument == PipelineMetrics.Latency);
            Assert.Equal(("s", "VitalTwin.TwinState.Tests"), (latency.Unit, latency.Tag("service")));
            Assert.InRange(latency.Value, 120, 120 + Timeout.TotalSeconds);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task With_history_in_InfluxDB_readiness_fails_while_influxd_is_down_and_recovers_when_it_is_back()
    {
        await using var influx = await InfluxServer.StartAsync();
        using var host = cluster.BuildTwinState(cluster.CreateTopics(), new Dictionary<string, string?>
        {
            ["History:Influx:Url"] = influx.Url.ToString(),
            ["History:Influx:Database"] = "vitaltwin",
            ["History:Influx:Username"] = "vitaltwin",
            ["History:Influx:Password"] = "not-checked-by-this-influxd",
        });
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var up = await InfluxStatusAsync(health);
        await influx.StopAsync();
        var down = await InfluxStatusAsync(health);
        await influx.StartAsync(CancellationToken.None);
        var back = await InfluxStatusAsync(health);

        Assert.Equal((HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Healthy), (up.Status, down.Status, back.Status));
        Assert.Contains(ServiceDefaults.ServiceDefaultsExtensions.ReadyTag, up.Tags);
    }

    [Fact]
    public void With_history_in_memory_there_is_no_InfluxDB_check()
    {
        using var host = cluster.BuildTwinState(cluster.CreateTopics());

        Assert.DoesNotContain(
            host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value.Registrations,
            registration => registration.Name == "influxdb");
    }

    private static async Task<HealthReportEntry> InfluxStatusAsync(HealthCheckService health)
    {
        var report = await health.CheckHealthAsync(check => check.Name == "influxdb", CancellationToken.None);
        return report.Entries["influxdb"];
    }
}
