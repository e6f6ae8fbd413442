using System.Globalization;
using VitalTwin.Load.Measurement;

namespace VitalTwin.Load.Reporting;

/// <summary>What a run's figures say about where the limit is, in sentences for the report.</summary>
internal static class Findings
{
    public static IReadOnlyList<string> Of(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var findings = new List<string>();
        void Add(FormattableString text) => findings.Add(text.ToString(CultureInfo.InvariantCulture));
        var s = report.Settings;
        var t = report.Throughput;
        var capacity = s.ProcessorCount * 100.0;

        var machine = report.Processes.FirstOrDefault(p => p.Name == ProcessSampler.Machine);
        if (machine is not null)
        {
            Add($"The machine was {machine.CpuPercent / capacity:P0} busy in the window ({machine.CpuPercent:0}% of {capacity:0}%){(machine.CpuPercent >= 0.9 * capacity ? ": CPU-bound, every process competing for the same cores" : "")}.");
        }
        var heaviest = report.Processes
            .Where(p => p.Name is not ProcessSampler.Machine and not ProcessSampler.Others)
            .OrderByDescending(p => p.CpuPercent)
            .Take(3)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.CpuPercent:0}%"))
            .ToList();
        if (heaviest.Count > 0)
        {
            Add($"Heaviest users of CPU: {string.Join(", ", heaviest)} (100% = one core).");
        }
        if (report.Processes.FirstOrDefault(p => p.Name == ProcessSampler.EmbeddedKafka) is { } kafka && kafka.CpuPercent >= 85)
        {
            Add($"The embedded Kafka cluster runs on one thread, which was {kafka.CpuPercent:0}% busy: it is saturated, and every produce and fetch of every service waits for it.");
        }
        if (report.Processes.FirstOrDefault(p => p.Name == ProcessSampler.Others) is { } others && others.CpuPercent >= 15)
        {
            Add($"Processes outside this run used {others.CpuPercent:0}% of a core in the window; on an idle machine the figures would be higher.");
        }
        if (t.AdmissionSeconds > 5)
        {
            var twinEvents = report.LagAtEnd.SelectMany(l => l.Topics).FirstOrDefault(topic => topic.Topic.Contains("twin-events", StringComparison.Ordinal))?.HighWatermark;
            Add($"Admitting {s.Patients:N0} new patients (one tick each) took {t.AdmissionSeconds:0.0} s, {s.Patients / t.AdmissionSeconds:N0} patients/s: a new patient's first readings each change NEWS2's inputs, so TwinState creates a twin and publishes a twin-event for each ({twinEvents:N0} twin-events in the whole run). It hands them to the producer in order without waiting for each; its checkpoint awaits their delivery.");
        }
        if (t.RefusedForBackPressure > 0)
        {
            var otherFailures = t.Unacknowledged - t.RefusedForBackPressure;
            Add($"The Gateway refused {t.RefusedForBackPressure:N0} readings for back-pressure in {t.RefusedRounds:N0} rounds (its consumers lagged near what the embedded Kafka keeps); the senders resent {t.Resent:N0} readings after the hinted wait{(otherFailures > 0 ? $" (with those of failed calls: {otherFailures:N0} readings)" : "")}{(t.DroppedBySenders > 0 ? $" and dropped {t.DroppedBySenders:N0} they could no longer keep or deliver" : "")}. Refused readings were not lost: the Gateway never took them.");
        }
        if (t.OfferedPerSecond < 0.95 * s.Rate)
        {
            Add($"The senders offered {t.OfferedPerSecond:N0} of the {s.Rate:N0} readings/s asked for: the Gateway held them back (a stream's next batch is read only once the previous one is stored in Kafka).");
        }
        if (t.AcceptedPerSecond < 0.95 * t.OfferedPerSecond)
        {
            Add($"The Gateway accepted {t.AcceptedPerSecond:N0} of the {t.OfferedPerSecond:N0} readings/s offered ({t.Rejected:N0} rejected, {t.Unacknowledged - t.RefusedForBackPressure:N0} in failed calls, {t.RefusedForBackPressure:N0} refused for back-pressure).");
        }
        if (t.TwinsCaughtUpAfterWindowSeconds is null)
        {
            Add($"Downstream did not keep up: when measurement ended the twins had applied the readings of only the first {t.AppliedFraction:P0} of the window, so the sustained end-to-end rate is below the accepted rate.");
        }
        else if (t.TwinsCaughtUpAfterWindowSeconds > 2)
        {
            Add($"TwinState fell behind during the window and needed {t.TwinsCaughtUpAfterWindowSeconds:0.0} s after it to catch up.");
        }
        // Sent counts only what the senders stood by (refused readings they dropped are not expected), and refused
        // readings count until resent: a shortfall once the twins caught up is readings that went missing.
        if (t.TwinsCaughtUpAfterWindowSeconds is not null && t.SampledTwinReadingsApplied < t.SampledTwinReadingsSent - t.Rejected)
        {
            Add($"The watched twins applied {t.SampledTwinReadingsApplied:N0} of the {t.SampledTwinReadingsSent:N0} readings sent to them and not dropped by the senders ({t.WindowCompleteness:P0} of the window's): readings the Gateway accepted went missing on the way, most likely to the mock cluster's per-partition retention (about 5 MiB, a second or two of telemetry at this rate) overtaking TwinState while it lagged; its consumer then skips to the oldest record kept. The sustained rate counts only what was applied.");
        }
        if (report.Alerts.RaisedOnLaterTick > 0)
        {
            Add($"{report.Alerts.RaisedOnLaterTick} of the {report.Alerts.Measured} NEWS2_HIGH alerts were scored on a tick after the deteriorating one, which was lost or did not cross the threshold on its own.");
        }
        foreach (var lag in report.LagAtEnd)
        {
            foreach (var topic in lag.Topics.Where(topic => topic.PartitionsBehindRetention > 0))
            {
                Add($"{lag.Service}'s committed offsets on {topic.Topic} are older than the mock cluster still keeps on {topic.PartitionsBehindRetention} partitions: a restart would skip data.");
            }
        }
        var alerts = report.Alerts;
        if (alerts.Measured < alerts.Expected)
        {
            Add($"{alerts.Expected - alerts.Measured} of {alerts.Expected} deteriorations raised no NEWS2_HIGH alert within the drain timeout.");
        }
        if (alerts.UnexpectedNews2High > 0)
        {
            Add($"{alerts.UnexpectedNews2High} NEWS2_HIGH alerts concerned patients who never deteriorated.");
        }
        var gateway = report.Latency.DeviceToTelemetryTopic;
        var twin = report.Latency.DeviceToTwin;
        var alert = report.Latency.DeviceToAlert;
        if (gateway.Count > 0 && twin.Count > 0 && twin.P50 > gateway.P99 + 100)
        {
            Add($"Device→twin (p50 {twin.P50:0} ms, p99 {twin.P99:0} ms) is mostly TwinState's consumer waiting, not the Gateway (device→telemetry topic p99 {gateway.P99:0} ms). The mock cluster holds a fetch that finds no new data for the consumer's whole fetch.wait.max.ms, even when data arrives meanwhile, and a consumer that keeps up finds none at most fetches, even on a busy topic; the services use librdkafka's default of 500 ms, so each consumer hop adds 0 to 500 ms, evenly spread (this tool's own consumers use 10 ms). A real broker answers a waiting fetch as soon as data arrives. Device→alert (p50 {alert.P50:0} ms) crosses two such hops: telemetry to TwinState, twin-events to Notification.");
        }
        return findings;
    }
}
