using System.Diagnostics;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;
using VitalTwin.TwinState.Core;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>What to run besides the shipped configuration.</summary>
/// <param name="Sweep">One parameter swept, reported apart from the headline; null for none.</param>
/// <param name="CopdOnScale2">Record SpO2 scale 2 for every COPD patient before the first reading (a clinician's choice the simulated stream does not carry); off for the headline.</param>
/// <param name="ProgressInterval">How often, in wall-clock time, a status line is written.</param>
public sealed record RunSettings(Sweep? Sweep = null, bool CopdOnScale2 = false, TimeSpan? ProgressInterval = null);

/// <summary>A finished run: the pipeline with everything it counted, the labels, and how long it took.</summary>
/// <param name="Traced">The patient traced for each event kind, for the plots.</param>
public sealed record RunResult(
    WardSimulation Simulation,
    WardPipeline Pipeline,
    GroundTruth Truth,
    long Readings,
    TimeSpan Elapsed,
    bool CopdOnScale2,
    IReadOnlyList<(string Kind, string PatientId)> Traced);

/// <summary>Plays a scenario through the <see cref="WardPipeline"/> on its simulated clock.</summary>
public static class EvaluationRun
{
    public static RunResult Execute(WardSimulation simulation, ShippedConfiguration shipped, RunSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(shipped);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);

        var scenario = simulation.Scenario;
        var variants = new List<PolicyVariant> { new("VitalTwin", shipped.Detection, shipped.Policy) };
        if (settings.Sweep is { } sweep)
        {
            variants.AddRange(sweep.Variants(shipped));
        }
        var contexts = settings.CopdOnScale2
            ? simulation.Patients.Where(p => p.Condition == PatientCondition.Copd).ToDictionary(p => p.Id, _ => new PatientContext(SpO2Scale: SpO2Scale.Scale2))
            : null;
        var traced = TracedPatients(simulation);
        var pipeline = new WardPipeline(simulation.DeviceBindings, shipped, variants, simulation.Catalogue, contexts, traced.Select(t => t.PatientId).Distinct(StringComparer.Ordinal));

        var clock = Stopwatch.StartNew();
        var reporter = new ProgressLine(progress, scenario.Start, scenario.Duration, settings.ProgressInterval ?? TimeSpan.FromSeconds(10), clock);
        var clocks = new PipelineClocks(pipeline, shipped, scenario.Start);

        long readings = 0;
        foreach (var reading in simulation.Readings())
        {
            clocks.RunUntil(reading.ObservedAt);
            pipeline.Observe(reading);
            if ((++readings & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                reporter.Report(reading.ObservedAt, readings);
            }
        }
        clocks.RunUntil(scenario.End);
        reporter.Finish(readings);

        var truth = new GroundTruth(
            scenario.Start,
            scenario.End,
            simulation.Patients.Count,
            [.. simulation.Events.Select(e => new LabelledEvent(ScenarioNames.Of(e.Kind), e.PatientId, e.Onset, e.End, e.Severity))],
            [.. simulation.Artifacts.Select(a => new ArtifactEpisode(
                ScenarioNames.Of(a.Kind),
                a.OtherPatientId is { } other ? [a.PatientId, other] : [a.PatientId],
                a.Start,
                a.End))],
            pipeline.News2HighPeriods());
        return new RunResult(simulation, pipeline, truth, readings, clock.Elapsed, settings.CopdOnScale2, traced);
    }

    /// <summary>One patient per event kind (the first whose event starts at least an hour in, so the plot shows a normal stretch first).</summary>
    public static IReadOnlyList<(string Kind, string PatientId)> TracedPatients(WardSimulation simulation)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        return [.. simulation.Events
            .GroupBy(e => e.Kind)
            .OrderBy(g => g.Key)
            .Select(g => (ScenarioNames.Of(g.Key), (g.FirstOrDefault(e => e.Onset - simulation.Scenario.Start >= TimeSpan.FromHours(1)) ?? g.First()).PatientId))];
    }

    /// <summary>A status line every interval: simulated hours done, readings and readings per second.</summary>
    private sealed class ProgressLine(TextWriter output, DateTimeOffset start, TimeSpan duration, TimeSpan interval, Stopwatch clock)
    {
        private TimeSpan _last;

        public void Report(DateTimeOffset simulatedNow, long readings)
        {
            if (clock.Elapsed - _last < interval)
            {
                return;
            }
            _last = clock.Elapsed;
            var done = simulatedNow - start;
            output.WriteLine(FormattableString.Invariant(
                $"Evaluate: {done.TotalHours:0.0} of {duration.TotalHours:0.#} simulated hours ({done / duration:P0}), {readings:N0} readings, {readings / clock.Elapsed.TotalSeconds:N0} readings/s, {clock.Elapsed.TotalSeconds:0} s"));
        }

        public void Finish(long readings) =>
            output.WriteLine(FormattableString.Invariant(
                $"Evaluate: {duration.TotalHours:0.#} simulated hours done, {readings:N0} readings in {clock.Elapsed.TotalSeconds:0.0} s ({readings / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):N0} readings/s)"));
    }
}
