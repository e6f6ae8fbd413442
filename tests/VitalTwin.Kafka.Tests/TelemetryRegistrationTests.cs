using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>What the service defaults hand to OpenTelemetry, and where it goes: nowhere, or to an OTLP endpoint when one is configured.</summary>
public sealed partial class TelemetryRegistrationTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_VitalTwin_meter_and_the_Kafka_and_MassTransit_trace_sources_are_collected()
    {
        // OpenTelemetry subscribes to meters only when it has somewhere to send them.
        await using var collector = await StartCollectorAsync(new ConcurrentQueue<string>());
        await using var service = await ServiceDefaultsHost.StartAsync(OtlpSettings(collector), output);
        var meters = service.Services.GetRequiredService<IMeterFactory>();
        string[] ours =
        [
            KafkaMetrics.MeterName, PipelineMetrics.MeterName, "VitalTwin.Gateway", "VitalTwin.AnomalyDetection",
            "VitalTwin.Notification", "VitalTwin.Notification.Delivery",
        ];

        // An instrument is enabled when a listener (here only OpenTelemetry's) subscribed to its meter.
        var enabled = ours.ToDictionary(name => name, name => meters.Create(name).CreateCounter<long>("probe").Enabled);
        var foreign = meters.Create("Some.Other.Library").CreateCounter<long>("probe").Enabled;

        Assert.All(enabled, meter => Assert.True(meter.Value, $"{meter.Key} is not collected"));
        Assert.False(foreign);
        using var kafkaSource = new ActivitySource(KafkaInstrumentation.ActivitySourceName);
        using var massTransitSource = new ActivitySource("MassTransit");
        Assert.True(kafkaSource.HasListeners());
        Assert.True(massTransitSource.HasListeners());
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_configured_traces_metrics_and_logs_are_exported_to_it()
    {
        var received = new ConcurrentQueue<string>();
        await using var collector = await StartCollectorAsync(received);
        await using var service = await ServiceDefaultsHost.StartAsync(OtlpSettings(collector), output);

        using (var source = new ActivitySource("VitalTwin.Probe"))
        using (source.StartActivity("probe"))
        {
        }
        service.Services.GetRequiredService<IMeterFactory>().Create("VitalTwin.Probe").CreateCounter<long>("vitaltwin.probe").Add(1);
        LogProbe(service.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Probe"));
        Assert.True(service.Services.GetRequiredService<TracerProvider>().ForceFlush());
        Assert.True(service.Services.GetRequiredService<MeterProvider>().ForceFlush());

        await WaitUntilAsync(() => received.Contains("/v1/traces") && received.Contains("/v1/metrics") && received.Contains("/v1/logs"));
    }

    private Dictionary<string, string?> OtlpSettings(WebApplication collector) => new()
    {
        ["Kafka:BootstrapServers"] = cluster.Kafka.BootstrapServers,
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.Single(),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
    };

    /// <summary>An OTLP/HTTP endpoint that accepts every export and remembers which signal it was.</summary>
    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<string> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var collector = builder.Build();
        collector.MapPost("/v1/{signal}", (HttpContext context) =>
        {
            received.Enqueue(context.Request.Path.Value!);
            // An empty Export*ServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await collector.StartAsync();
        return collector;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!condition())
        {
            await poll.WaitForNextTickAsync(deadline.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "probe")]
    private static partial void LogProbe(ILogger logger);
}
