using System.Text.Json;
using VitalTwin.Load.Measurement;
using VitalTwin.Load.Reporting;

namespace VitalTwin.Load.Tests;

/// <summary>A run over several front doors: each door's report kept apart, and their figures side by side.</summary>
public sealed class PathComparisonTests : IDisposable
{
    private readonly string _reports = Path.Combine(Path.GetTempPath(), $"vitaltwin-load-paths-{Guid.NewGuid():N}");

    [Fact]
    public void Each_door_writes_a_report_of_its_own_and_grpc_keeps_the_name_it_always_had()
    {
        var grpc = ReportWriter.Write(Report("grpc", sustained: 9_800, twinP99: 640, alertP99: 910), _reports);
        var mqtt = ReportWriter.Write(Report("mqtt", sustained: 7_100, twinP99: 820, alertP99: null), _reports);

        Assert.Equal(Path.Combine(_reports, "load-10000.json"), grpc.Json);
        Assert.Equal(Path.Combine(_reports, "load-10000-mqtt.json"), mqtt.Json);
        Assert.Contains("Sent over mqtt by 4 senders (one send per monitor tick", File.ReadAllText(mqtt.Markdown), StringComparison.Ordinal);
        Assert.Contains("Sent over grpc by 4 senders (an IngestStream call per monitor, acknowledged every 1 s)", File.ReadAllText(grpc.Markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void The_doors_figures_stand_side_by_side_one_row_each_in_the_order_they_ran()
    {
        var comparison = PathComparison.Of([Run("fhir", sustained: 3_250.4, twinP99: 1_210.25, alertP99: null), Run("grpc", sustained: 9_800, twinP99: 640, alertP99: 910.5)]);

        var table = comparison.Table();

        Assert.Equal(4, table.Count);
        Assert.StartsWith("| Path | Sent as | Offered readings/s | Accepted readings/s | Sustained readings/s |", table[0], StringComparison.Ordinal);
        Assert.Equal(
            "| fhir | one send per monitor tick, each acknowledged before the sender's next batch | 10,000 | 3,300 | **3,250** | 2 / 50 | 12.5 | 300.0 / 1210.3 | n/a |",
            table[2]);
        Assert.Equal(
            "| grpc | an IngestStream call per monitor, acknowledged every 1 s | 10,000 | 9,850 | **9,800** | 2 / 50 | 12.5 | 300.0 / 640.0 | 910.5 |",
            table[3]);
    }

    [Fact]
    public void The_side_by_side_report_is_written_as_json_and_markdown_naming_each_doors_own_report()
    {
        var comparison = PathComparison.Of([Run("grpc", sustained: 9_800, twinP99: 640, alertP99: 910.5), Run("mqtt", sustained: 7_100, twinP99: 820, alertP99: 990)]);

        var (json, markdown) = ReportWriter.Write(comparison, _reports);

        Assert.Equal(Path.Combine(_reports, "load-10000-paths.json"), json);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var paths = document.RootElement.GetProperty("paths");
        Assert.Equal(["grpc", "mqtt"], paths.EnumerateArray().Select(p => p.GetProperty("transport").GetString()));
        Assert.Equal(820, paths[1].GetProperty("deviceToTwin").GetProperty("p99").GetDouble());
        Assert.Equal("load-10000-mqtt.json", paths[1].GetProperty("report").GetString());
        var text = File.ReadAllText(markdown);
        Assert.StartsWith("# Load benchmark by front door: 10,000 readings/s for 60 s", text, StringComparison.Ordinal);
        Assert.Contains("| mqtt | one send per monitor tick", text, StringComparison.Ordinal);
        Assert.Contains("* mqtt: load-10000-mqtt.json", text, StringComparison.Ordinal);
    }

    private static LoadRun Run(string transport, double sustained, double twinP99, double? alertP99)
    {
        var name = transport == "grpc" ? "load-10000" : $"load-10000-{transport}";
        return new LoadRun(Report(transport, sustained, twinP99, alertP99), $"{name}.json", $"{name}.md");
    }

    private static LoadReport Report(string transport, double sustained, double twinP99, double? alertP99)
    {
        var settings = new RunSettings(10_000, 60, 5, 6, 4, 100, 2_000, 200, 100, 1, 60, 2, 1, transport);
        var throughput = new ThroughputResult(
            60, 600_000, 598_000, 2, 1, 50, 10_000, sustained + 50, sustained, 0.5, 1, 6_000, 6_000, 1,
            new Dictionary<string, long>(), new Dictionary<string, long>(), 2, 10, 3, true, 5, true);
        var latency = new LatencyResult(
            Latency(4), Latency(12.5), Latency(twinP99, p50: 300), alertP99 is { } a ? Latency(a) : LatencySummary.Empty, LatencySummary.Empty, "", "", "");
        return new LoadReport(
            new DateTimeOffset(2026, 12, 7, 20, 0, 0, TimeSpan.Zero), settings, throughput, latency,
            new AlertResult(200, alertP99 is null ? 0 : 200, 0, 0, new Dictionary<string, long>()),
            [], new Dictionary<string, long>(), [], [], []);
    }

    private static LatencySummary Latency(double p99, double p50 = 1) => new(100, p50, p99 * 0.8, p99, p99 * 1.1, p99 * 1.2, p50);

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }
}
