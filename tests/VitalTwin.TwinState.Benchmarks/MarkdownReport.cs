using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace VitalTwin.TwinState.Benchmarks;

internal static class MarkdownReport
{
    public const string Command = "dotnet run --project tests/VitalTwin.TwinState.Benchmarks -c Release";

    public static string Render(TwinBenchmarkResults r)
    {
        var sequential = r.SequentialRestores.Order().ToList();
        var parallel = r.ParallelRestores.Order().ToList();
        var text = new StringBuilder();
        Line(text, "# Twin memory and restore");
        Line(text, string.Empty);
        Line(text, $"Command: `{Command}`");
        Line(text, string.Empty);
        Line(text, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC; load average {r.LoadAtStart.Averages} at start, {r.LoadAtEnd.Averages} at end.");
        Line(text, string.Empty);
        Line(text, $"{r.Patients:N0} simulated patients, {r.Readings:N0} readings ({SimulatedPatient.ReadingsPerPatient:N0} each: 35 min of heart rate, SpO₂ and respiratory rate at 1 Hz, systolic BP every 5 min, temperature every 15 min, with noise, drift and motion artifacts; oxygen, consciousness, ward and bed recorded; an open anomaly on one patient in ten), fed in {r.FeedTime.TotalSeconds:N0} s. Each twin holds the five catalogue vitals and consciousness from its context: the six NEWS2 physiological parameters.");
        Line(text, string.Empty);
        if (!r.IsTargetRun)
        {
            Line(text, $"Smoke run: the targets are stated at {TwinBenchmarkResults.TargetPatients:N0} patients, so this run judges only the round trip.");
            Line(text, string.Empty);
        }

        Line(text, "| Measure | Result | Target | Met |");
        Line(text, "|---|---|---|---|");
        Row(text, "Managed memory per twin, fed (GC heap after full collection ÷ twins)", Bytes(r.ManagedBytesPerTwin), "≤ 10 KB (10,000 B)", Met(r.IsTargetRun, r.ManagedBytesPerTwin <= TwinBenchmarkResults.MaxBytesPerTwin));
        Row(text, "Managed memory per twin, restored", Bytes(r.RestoredManagedBytesPerTwin), "≤ 10 KB (10,000 B)", Met(r.IsTargetRun, r.RestoredManagedBytesPerTwin <= TwinBenchmarkResults.MaxBytesPerTwin));
        Row(text, "Working-set growth per twin (process, informational)", Bytes(r.WorkingSetBytesPerTwin), "–", "–");
        Row(text, "Process working set with all twins", $"{r.WorkingSetBytes / 1_048_576.0:N0} MiB", "–", "–");
        Row(text, "Snapshot size per twin (mean / min / max)", $"{r.Snapshots.Mean:N0} / {r.Snapshots.Min:N0} / {r.Snapshots.Max:N0} B", "–", "–");
        Row(text, "Snapshot bytes in all", $"{r.Snapshots.Total:N0} B ({r.Snapshots.Total / 1_048_576.0:N1} MiB)", "–", "–");
        Row(text, "Snapshot all twins to bytes (all cores)", Seconds(r.SnapshotTime), "–", "–");
        Row(text, $"Restore {r.Patients:N0} twins from bytes, one thread (runs)", string.Join(", ", r.SequentialRestores.Select(Seconds)), "–", "–");
        Row(text, $"Restore {r.Patients:N0} twins, one thread: best / median / slowest", $"{Seconds(sequential[0])} / {Seconds(sequential[sequential.Count / 2])} / {Seconds(sequential[^1])}", "slowest < 10 s", Met(r.IsTargetRun, r.RestoreMet));
        Row(text, $"Restore {r.Patients:N0} twins, {Environment.ProcessorCount} threads: best / median (informational)", $"{Seconds(parallel[0])} / {Seconds(parallel[parallel.Count / 2])}", "–", "–");
        Row(text, "Restored twins snapshot back to identical bytes", $"{r.Verified - r.Mismatched:N0} of {r.Verified:N0} sampled", "all", r.RoundTripMet ? "yes" : "**NO**");
        Line(text, string.Empty);
        Line(text, "Restore times decode each snapshot (`TwinSnapshot.FromBytes`) and restore it (`TwinRegistry.Restore`); reading the bytes from the state store is not included. The first single-threaded run is the first restore in the process, with a cold JIT, as after a restart.");
        return text.ToString();
    }

    private static void Row(StringBuilder text, string measure, string result, string target, string met) =>
        Line(text, $"| {measure} | {result} | {target} | {met} |");

    private static void Line(StringBuilder text, string line) => text.Append(CultureInfo.InvariantCulture, $"{line}\n");

    private static string Met(bool judged, bool met) => !judged ? "not judged" : met ? "yes" : "**NO**";

    private static string Bytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1000:N2} KB ({bytes:N0} B)");

    private static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:N2} s");
}
