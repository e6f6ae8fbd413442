using System.Globalization;
using System.Text;
using System.Text.Json;
using VitalTwin.Load.Measurement;

namespace VitalTwin.Load.Reporting;

/// <summary>Writes a run's report as JSON (every figure, with the timeline) and as Markdown (the summary a reader wants).</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static (string Json, string Markdown) Write(LoadReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        // Runs at several replica counts, or through several doors, side by side keep a report each; gRPC's keeps its name.
        var door = report.Settings.Transport == "grpc" ? "" : $"-{report.Settings.Transport}";
        var name = Path.Combine(directory, BaseName(report.Settings.Rate, report.Settings.Replicas) + door);
        File.WriteAllText(name + ".json", JsonSerializer.Serialize(report, Json));
        File.WriteAllText(name + ".md", Markdown(report));
        return (name + ".json", name + ".md");
    }

    /// <summary>Writes the doors' figures side by side as load-&lt;rate&gt;[-r&lt;n&gt;]-paths.json and .md.</summary>
    public static (string Json, string Markdown) Write(PathComparison comparison, string directory)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        Directory.CreateDirectory(directory);
        var name = Path.Combine(directory, BaseName(comparison.Rate, comparison.Replicas) + "-paths");
        File.WriteAllText(name + ".json", JsonSerializer.Serialize(comparison, Json));
        File.WriteAllText(name + ".md", comparison.Markdown());
        return (name + ".json", name + ".md");
    }

    private static string BaseName(int rate, int replicas) =>
        string.Create(CultureInfo.InvariantCulture, $"load-{rate}{(replicas > 1 ? $"-r{replicas}" : "")}");

    public static string Markdown(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = report.Settings;
        var t = report.Throughput;
        var l = report.Latency;
        var md = new StringBuilder();
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));

        Line($"# Load benchmark: {s.Rate:N0} readings/s for {s.DurationSeconds} s");
        md.AppendLine();
        Line($"Started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC on {s.ProcessorCount} cores, everything on this machine: embedded Kafka (librdkafka mock cluster, {s.Partitions} partitions a topic) in the load process, the four services as processes ({s.Replicas} of each). Sent over {s.Transport} by {s.Streams} senders ({PathFigures.SentAsOf(s.Transport, s.StreamSeconds)}), batches of {s.BatchSize} readings, {s.Patients:N0} patients (five vitals a tick), {s.Deteriorating:N0} deteriorating once in the window, {s.TwinSample} twins watched; {t.WarmupSeconds:0.0} s warm-up ({(t.TwinsFollowingAtWindowStart ? "the twins followed the senders when the window opened" : "the twins did not yet follow the senders when the window opened")}).");
        md.AppendLine();
        md.AppendLine("## Result");
        md.AppendLine();
        md.AppendLine("| Figure | Value |");
        md.AppendLine("|---|---|");
        Line($"| Sustained end to end | **{t.SustainedPerSecond:N0} readings/s** |");
        Line($"| Accepted by the Gateway | {t.AcceptedPerSecond:N0} readings/s ({t.Accepted:N0} in {t.WindowSeconds:0.0} s) |");
        Line($"| Admission of {s.Patients:N0} patients (first tick applied) | {t.AdmissionSeconds:0.0} s{(t.AdmissionComplete ? "" : ", incomplete")} ({s.Patients / Math.Max(t.AdmissionSeconds, 0.001):N0} patients/s) |");
        Line($"| Offered by the senders (new readings) | {t.OfferedPerSecond:N0} readings/s (target {s.Rate:N0}) |");
        Line($"| Rejected / unacknowledged | {t.Rejected:N0} / {t.Unacknowledged:N0} ({t.FailedCalls:N0} failed calls) |");
        Line($"| Refused for back-pressure / resent / dropped by the senders | {t.RefusedForBackPressure:N0} in {t.RefusedRounds:N0} rounds / {t.Resent:N0} / {t.DroppedBySenders:N0} |");
        Line($"| Twins caught up after the window | {(t.TwinsCaughtUpAfterWindowSeconds is { } caught ? caught.ToString("0.00 's'", CultureInfo.InvariantCulture) : $"not within {s.DrainTimeoutSeconds} s ({t.AppliedFraction:P1} of the window applied)")} |");
        Line($"| Watched twins: readings applied / sent and not dropped (whole run) | {t.SampledTwinReadingsApplied:N0} / {t.SampledTwinReadingsSent:N0}; {t.WindowCompleteness:P1} of the window's applied |");
        Line($"| Device→twin p50 / p99 / p99.9 | {Triple(l.DeviceToTwin)} |");
        Line($"| Device→alert p50 / p99 / p99.9 | {Triple(l.DeviceToAlert)} ({report.Alerts.Measured} of {report.Alerts.Expected} alerts) |");
        md.AppendLine();
        md.AppendLine("Targets (reported, not asserted): sustained end to end at least 100,000 readings/s on this machine with everything on it; device→alert p99 under 100 ms at 10,000 readings/s.");
        md.AppendLine();
        Line($"* Throughput target: {(t.SustainedPerSecond >= 100_000 ? "met" : "not met")} ({t.SustainedPerSecond:N0} readings/s{(s.Rate < 100_000 ? $"; this run offered only {s.Rate:N0}/s" : "")}).");
        if (report.DeviceToAlertP99Ms is { } p99)
        {
            Line($"* Device→alert target: {(p99 < 100 ? "met" : "not met")} (p99 {p99:0.0} ms at {t.AcceptedPerSecond:N0} readings/s accepted).");
        }
        else
        {
            md.AppendLine("* Device→alert target: not measured (no alert arrived).");
        }
        md.AppendLine();

        md.AppendLine("## Latency (ms)");
        md.AppendLine();
        md.AppendLine("| Path | n | p50 | p90 | p99 | p99.9 | max | mean |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        LatencyRow(md, "Device→Gateway produce (Kafka timestamp)", l.DeviceToGatewayProduce);
        LatencyRow(md, "Device→telemetry topic (received)", l.DeviceToTelemetryTopic);
        LatencyRow(md, "Device→twin", l.DeviceToTwin);
        LatencyRow(md, "Device→alert (received)", l.DeviceToAlert);
        LatencyRow(md, "Device→alert (Kafka timestamp)", l.DeviceToAlertKafkaTimestamp);
        md.AppendLine();
        Line($"* Device→telemetry: {l.DeviceToTelemetryMethod}");
        Line($"* Device→twin: {l.DeviceToTwinMethod}");
        Line($"* Device→alert: {l.DeviceToAlertMethod}");
        md.AppendLine();

        md.AppendLine("## Alerts raised during the run");
        md.AppendLine();
        Line($"{report.Alerts.Measured} of {report.Alerts.Expected} NEWS2_HIGH alerts for deteriorations arrived ({report.Alerts.RaisedOnLaterTick} of them scored on a tick after the deteriorating one); {report.Alerts.UnexpectedNews2High} NEWS2_HIGH for patients who never deteriorated. All AlertRaised by condition: {(report.Alerts.RaisedByCondition.Count == 0 ? "none" : string.Join(", ", report.Alerts.RaisedByCondition.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value:N0}")))}.");
        md.AppendLine();

        md.AppendLine("## Consumer lag (committed offsets against high watermarks)");
        md.AppendLine();
        md.AppendLine("| Service | Group | Max during window | At end | By topic at end |");
        md.AppendLine("|---|---|---:|---:|---|");
        foreach (var lag in report.LagAtEnd)
        {
            var topics = string.Join("; ", lag.Topics.Select(topic =>
                string.Create(CultureInfo.InvariantCulture, $"{topic.Topic} {topic.Lag:N0}{(topic.PartitionsBehindRetention > 0 ? $" ({topic.PartitionsBehindRetention} partitions behind the mock's retention)" : "")}")));
            Line($"| {lag.Service} | {lag.GroupId} | {report.MaxLagDuringWindow.GetValueOrDefault(lag.Service):N0} | {lag.Lag:N0} | {topics} |");
        }
        md.AppendLine();
        md.AppendLine("AnomalyDetection and TwinState store offsets only at their checkpoints (every 30 s by default), so their committed lag includes up to a checkpoint interval of events already processed; device→twin latency shows how far behind processing is.");
        md.AppendLine();

        md.AppendLine("## CPU and memory in the window");
        md.AppendLine();
        md.AppendLine("| Process | PID | CPU % (100 = one core) | Peak interval CPU % | CPU s | Working set MiB | Peak working set MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in report.Processes)
        {
            Line($"| {p.Name} | {(p.Pid is { } pid ? pid.ToString(CultureInfo.InvariantCulture) : "")} | {p.CpuPercent:0.0} | {p.PeakCpuPercent:0.0} | {p.CpuSeconds:0.0} | {Memory(p.WorkingSetMiB)} | {Memory(p.PeakWorkingSetMiB)} |");
        }
        md.AppendLine();

        md.AppendLine("## Findings");
        md.AppendLine();
        foreach (var finding in report.Findings)
        {
            md.Append("* ").AppendLine(finding);
        }
        return md.ToString();
    }

    private static string Triple(LatencySummary summary) =>
        summary.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{summary.P50:0.0} / {summary.P99:0.0} / {summary.P999:0.0} ms");

    private static string Memory(double mib) => mib > 0 ? mib.ToString("0", CultureInfo.InvariantCulture) : "";

    private static void LatencyRow(StringBuilder md, string path, LatencySummary s) =>
        md.AppendLine(s.Count == 0
            ? $"| {path} | 0 | | | | | | |"
            : string.Create(CultureInfo.InvariantCulture, $"| {path} | {s.Count:N0} | {s.P50:0.0} | {s.P90:0.0} | {s.P99:0.0} | {s.P999:0.0} | {s.Max:0.0} | {s.Mean:0.0} |"));
}
