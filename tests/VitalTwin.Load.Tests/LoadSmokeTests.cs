using System.Text.Json;
using VitalTwin.DeviceTransports;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Tests;

/// <summary>
/// The benchmark's core, in process, for a few seconds at a low rate against the real system: embedded Kafka and
/// the four services as processes, driven over gRPC: as it always was (IngestStream calls), and through the
/// <see cref="IDeviceTransport"/> senders the MQTT and FHIR doors are driven by, here over the gRPC transport.
/// </summary>
public sealed class LoadSmokeTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), $"vitaltwin-load-tests-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_short_run_measures_throughput_and_latencies_and_writes_its_report()
    {
        var log = new StringWriter();
        var options = new LoadOptions
        {
            Rate = 1_000,
            Duration = 4,
            Warmup = 1,
            Partitions = 2,
            StreamSeconds = 0.5,
            StatusInterval = 1,
            DrainTimeout = 30,
            OutputDirectory = _reports,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        var run = await new LoadBenchmark(options, TextWriter.Synchronized(log), TimeProvider.System).RunAsync(timeout.Token);

        var report = run.Report;
        Assert.True(report.Throughput.Accepted > 0, log.ToString());
        Assert.Equal(0, report.Throughput.Rejected);
        Assert.True(report.SustainedReadingsPerSecond > 0);
        Assert.True(report.Latency.DeviceToAlert.Count >= 1, $"no device-to-alert latency measured:\n{log}");
        Assert.True(report.Latency.DeviceToTwin.Count >= 1, $"no device-to-twin latency measured:\n{log}");
        Assert.Equal(["AnomalyDetection", "TwinState", "Notification"], report.LagAtEnd.Select(l => l.Service));
        Assert.Contains(report.Processes, p => p.Name == "Gateway" && p.CpuSeconds > 0 && p.WorkingSetMiB > 0);

        Assert.Equal(Path.Combine(_reports, "load-1000.json"), run.JsonPath);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(run.JsonPath));
        Assert.Equal(report.SustainedReadingsPerSecond, json.RootElement.GetProperty("sustainedReadingsPerSecond").GetInt64());
        Assert.Equal(report.Latency.DeviceToAlert.Count, json.RootElement.GetProperty("latency").GetProperty("deviceToAlert").GetProperty("count").GetInt64());
        var markdown = await File.ReadAllTextAsync(run.MarkdownPath);
        Assert.StartsWith("# Load benchmark: 1,000 readings/s for 4 s", markdown, StringComparison.Ordinal);
        Assert.Contains("| Device→alert (received) |", markdown, StringComparison.Ordinal);
        // Progress: one plain status line per interval.
        Assert.Contains("[window ", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_senders_of_the_other_doors_drive_the_system_through_a_device_transport_and_measure_the_same_figures()
    {
        var log = new StringWriter();
        var options = new LoadOptions
        {
            Rate = 1_000,
            Duration = 4,
            Warmup = 1,
            Partitions = 2,
            StatusInterval = 1,
            DrainTimeout = 30,
            OutputDirectory = _reports,
        };
        var kinds = new List<DeviceTransportKind>();
        IngestionDriverFactory throughTransport = (kind, gateways, patients, settings, clock, deteriorated, token) =>
        {
            kinds.Add(kind);
            return new TransportIngestionDriver(DeviceTransportKind.Grpc, gateways, patients, settings, clock, deteriorated, token);
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));

        var run = await new LoadBenchmark(options, TextWriter.Synchronized(log), TimeProvider.System, throughTransport).RunAsync(timeout.Token);

        var report = run.Report;
        Assert.Equal([DeviceTransportKind.Grpc], kinds);
        Assert.True(report.Throughput.Accepted > 0, log.ToString());
        Assert.Equal((0, 0L), (report.Throughput.Rejected, report.Throughput.Unacknowledged));
        // Every send waits for its acknowledgement, so whatever was sent in the window was acknowledged in it.
        Assert.Equal(report.Throughput.Sent, report.Throughput.Accepted);
        Assert.True(report.SustainedReadingsPerSecond > 0);
        Assert.True(report.Latency.DeviceToAlert.Count >= 1, $"no device-to-alert latency measured:\n{log}");
        Assert.True(report.Latency.DeviceToTwin.Count >= 1, $"no device-to-twin latency measured:\n{log}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }
}
