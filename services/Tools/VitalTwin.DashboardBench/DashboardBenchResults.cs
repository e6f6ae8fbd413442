using System.Globalization;
using VitalTwin.Evaluation.Metrics;

namespace VitalTwin.DashboardBench;

/// <summary>The 200-patient ward's figures: what was fed, how the browser's frames and CPU fared, and how late the last reading showed.</summary>
internal sealed record BusyWardFigures(
    double ReadingsPerSecond,
    IReadOnlyList<double> Frames,
    IReadOnlyList<double> LongTasks,
    double TaskMsPerSecond,
    double ScriptMsPerSecond,
    IReadOnlyList<double> LastReadingDelays,
    int LastReadingsMissing);

internal sealed record DashboardBenchResults(
    DashboardBenchOptions Options,
    IReadOnlyList<double> FirstRenders,
    IReadOnlyList<double> Delays,
    int DelaysMissing,
    BusyWardFigures Busy)
{
    private static readonly TimeSpan FirstRenderTarget = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DelayP95Target = TimeSpan.FromSeconds(1);

    public void Write(TextWriter output)
    {
        var warm = FirstRenders.Skip(1).ToList();
        var delayP95 = Percentiles.Of(Delays, 0.95);
        var lastShown = Busy.LastReadingDelays.Count > 0 ? Busy.LastReadingDelays.Max() : (double?)null;
        var keptUp = Busy.LastReadingsMissing == 0 && lastShown <= Options.KeptUpWithinSeconds * 1000;
        string Ms(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "n/a";
        string Met(bool met) => met ? "met" : "**missed**";

        output.WriteLine();
        output.WriteLine("| Measure | Figure | Target |");
        output.WriteLine("|---|---|---|");
        output.WriteLine($"| First render, 40-patient ward, first load after start (cold) | {Ms(FirstRenders[0])} ms | |");
        output.WriteLine($"| First render, 40-patient ward, next {warm.Count} loads | median {Ms(Percentiles.Of(warm, 0.5))} ms, max {Ms(warm.Max())} ms | < 1 s: median {Met(Percentiles.Of(warm, 0.5) < FirstRenderTarget.TotalMilliseconds)}, max {Met(warm.Max() < FirstRenderTarget.TotalMilliseconds)} |");
        output.WriteLine($"| Reading → tile, {Options.Readings} readings at {Options.Rate}/s over 40 tiles | p50 {Ms(Percentiles.Of(Delays, 0.5))} ms, p95 {Ms(delayP95)} ms, max {Ms(Delays.Count > 0 ? Delays.Max() : null)} ms; {DelaysMissing} not shown within 15 s | p95 < 1 s: {Met(DelaysMissing == 0 && delayP95 < DelayP95Target.TotalMilliseconds)} |");
        output.WriteLine($"| 200-patient ward, 1 Hz per vital for {Options.BusySeconds} s: readings fed | {Busy.ReadingsPerSecond.ToString("0", CultureInfo.InvariantCulture)} /s | 1,000 /s |");
        output.WriteLine($"| … frame interval (requestAnimationFrame) | p50 {Percentiles.Of(Busy.Frames, 0.5):0.0} ms, p95 {Percentiles.Of(Busy.Frames, 0.95):0.0} ms, max {Ms(Busy.Frames.Count > 0 ? Busy.Frames.Max() : null)} ms over {Busy.Frames.Count} frames | |");
        output.WriteLine($"| … long tasks (> 50 ms) | {Busy.LongTasks.Count}, {Ms(Busy.LongTasks.Sum())} ms in all, longest {Ms(Busy.LongTasks.Count > 0 ? Busy.LongTasks.Max() : null)} ms | |");
        output.WriteLine($"| … renderer CPU (CDP TaskDuration / ScriptDuration) | {Ms(Busy.TaskMsPerSecond)} / {Ms(Busy.ScriptMsPerSecond)} ms per s | |");
        output.WriteLine($"| … last reading shown on every tile | after {Ms(lastShown)} ms at most; {Busy.LastReadingsMissing} of 200 not shown | within {Options.KeptUpWithinSeconds.ToString(CultureInfo.InvariantCulture)} s: {(keptUp ? "kept up" : "**fell behind**")} |");
        output.WriteLine();
        // The closing lines the Cake target copies to the summary.
        output.WriteLine($"first render 40 tiles ms (warm median): {Ms(Percentiles.Of(warm, 0.5))}");
        output.WriteLine($"reading->tile p95 ms: {Ms(delayP95)}");
        output.WriteLine($"200-patient ward kept up: {(keptUp ? "yes" : "no")}");
    }
}
