using System.Globalization;
using System.Text;
using VitalTwin.Load.Measurement;

namespace VitalTwin.Load.Reporting;

/// <summary>The runs of one benchmark over several front doors, one after the other on the same settings, side by side.</summary>
internal sealed record PathComparison(DateTimeOffset StartedAt, int Rate, int DurationSeconds, int Replicas, IReadOnlyList<PathFigures> Paths)
{
    public static PathComparison Of(IReadOnlyList<LoadRun> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        var first = runs[0].Report;
        return new PathComparison(first.StartedAt, first.Settings.Rate, first.Settings.DurationSeconds, first.Settings.Replicas, [.. runs.Select(PathFigures.Of)]);
    }

    /// <summary>The table, in Markdown, one row per door in the order they ran.</summary>
    public IReadOnlyList<string> Table()
    {
        List<string> rows =
        [
            "| Path | Sent as | Offered readings/s | Accepted readings/s | Sustained readings/s | Rejected / unacknowledged | Device→telemetry p99 ms | Device→twin p50 / p99 ms | Device→alert p99 ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ];
        foreach (var p in Paths)
        {
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Transport} | {p.SentAs} | {p.OfferedPerSecond:N0} | {p.AcceptedPerSecond:N0} | **{p.SustainedPerSecond:N0}** | {p.Rejected:N0} / {p.Unacknowledged:N0} | {Ms(p.DeviceToTelemetryTopic, s => s.P99)} | {Ms(p.DeviceToTwin, s => s.P50)} / {Ms(p.DeviceToTwin, s => s.P99)} | {Ms(p.DeviceToAlert, s => s.P99)} |"));
        }
        return rows;
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"# Load benchmark by front door: {Rate:N0} readings/s for {DurationSeconds} s"));
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Started {StartedAt:yyyy-MM-dd HH:mm:ss} UTC. One run per door, one after the other, each on a system of its own started afresh ({Replicas} instance(s) of every service), with the same patients, rate, window and warm-up; each run's full report is named in the last column."));
        md.AppendLine();
        foreach (var row in Table())
        {
            md.AppendLine(row);
        }
        md.AppendLine();
        foreach (var p in Paths)
        {
            md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"* {p.Transport}: {p.Report}"));
        }
        md.AppendLine();
        md.AppendLine("Sustained is end to end (readings the twins applied per second); device→twin runs from a reading's observed_at (its send time) to the push of the first twin state that reflects it, whichever door it came through.");
        return md.ToString();
    }

    private static string Ms(LatencySummary summary, Func<LatencySummary, double> percentile) =>
        summary.Count == 0 ? "n/a" : percentile(summary).ToString("0.0", CultureInfo.InvariantCulture);
}

/// <param name="SentAs">How the door was driven, so figures of different doors are read for what they are.</param>
/// <param name="Report">The run's own JSON report.</param>
internal sealed record PathFigures(
    string Transport,
    string SentAs,
    double OfferedPerSecond,
    double AcceptedPerSecond,
    double SustainedPerSecond,
    long Rejected,
    long Unacknowledged,
    LatencySummary DeviceToTelemetryTopic,
    LatencySummary DeviceToTwin,
    LatencySummary DeviceToAlert,
    string Report)
{
    public static PathFigures Of(LoadRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var report = run.Report;
        var t = report.Throughput;
        var l = report.Latency;
        return new PathFigures(
            report.Settings.Transport,
            SentAsOf(report.Settings.Transport, report.Settings.StreamSeconds),
            t.OfferedPerSecond,
            t.AcceptedPerSecond,
            t.SustainedPerSecond,
            t.Rejected,
            t.Unacknowledged,
            l.DeviceToTelemetryTopic,
            l.DeviceToTwin,
            l.DeviceToAlert,
            Path.GetFileName(run.JsonPath));
    }

    public static string SentAsOf(string transport, double streamSeconds) => transport == "grpc"
        ? string.Create(CultureInfo.InvariantCulture, $"an IngestStream call per monitor, acknowledged every {streamSeconds:0.##} s")
        : "one send per monitor tick, each acknowledged before the sender's next batch";
}
