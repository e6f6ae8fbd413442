using System.Diagnostics;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Baselines;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Recordings;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Replay;
using VitalTwin.Simulator.Core.Scenarios;
using VitalTwin.TwinState.Core;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>What to run besides the shipped configuration.</summary>
/// <param name="Sweep">One parameter swept, reported apart from the headline; null for none.</param>
/// <param name="CopdOnScale2">Record SpO2 scale 2 for every COPD patient before the first reading (a clinician's choice the simulated stream does not carry); off for the headline.</param>
/// <param name="ProgressInterval">How often, in wall-clock time, a status line is written.</param>
/// <param name="MonitorAlarmDelay">The held fixed-limit monitor's alarm delay; <see cref="FixedLimitMonitor.DefaultAlarmDelay"/> when null.</param>
public sealed record RunSettings(Sweep? Sweep = null, bool CopdOnScale2 = false, TimeSpan? ProgressInterval = null, TimeSpan? MonitorAlarmDelay = null);

/// <summary>A finished run: the pipeline with everything it counted, the labels, and how long it took.</summary>
/// <param name="Traced">The patient traced for each event kind, for the plots.</param>
public sealed record RunResult(
    EvaluatedCohort Cohort,
    WardPipeline Pipeline,
    GroundTruth Truth,
    long Readings,
    TimeSpan Elapsed,
    bool CopdOnScale2,
    IReadOnlyList<(string Kind, string PatientId)> Traced);

/// <summary>Plays a scenario, or a recording, through the <see cref="WardPipeline"/> on its own clock.</summary>
public static class EvaluationRun
{
    public static RunResult Execute(WardSimulation simulation, ShippedConfiguration shipped, RunSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(settings);
        var contexts = settings.CopdOnScale2
            ? simulation.Patients.Where(p => p.Condition == PatientCondition.Copd).ToDictionary(p => p.Id, _ => new PatientContext(SpO2Scale: SpO2Scale.Scale2))
            : null;
        var cohort = EvaluatedCohort.Of(simulation);
        var traced = TracedPatients(simulation);
        var (pipeline, readings, elapsed) = Play(cohort, simulation.Readings(), simulation.DeviceBindings, simulation.Catalogue, contexts, traced, shipped, settings, progress, cancellationToken);
        var truth = new GroundTruth(
            cohort.Start,
            cohort.End,
            cohort.Patients.Count,
            [.. simulation.Events.Select(e => new LabelledEvent(ScenarioNames.Of(e.Kind), e.PatientId, e.Onset, e.End, e.Severity))],
            [.. simulation.Artifacts.Select(a => new ArtifactEpisode(
                ScenarioNames.Of(a.Kind),
                a.OtherPatientId is { } other ? [a.PatientId, other] : [a.PatientId],
                a.Start,
                a.End))],
            pipeline.News2HighPeriods());
        return new RunResult(cohort, pipeline, truth, readings, elapsed, settings.CopdOnScale2, traced);
    }

    /// <summary>A recording with a hospital's own labels: no artifact labels, each patient on a device of its own from the first reading.</summary>
    public static RunResult Replay(RecordedWard ward, ShippedConfiguration shipped, RunSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ward);
        ArgumentNullException.ThrowIfNull(settings);
        var traced = ward.Events
            .GroupBy(e => e.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.First().PatientId))
            .ToList();
        var readings = ward.Recording.Select(r => new SimulatedReading(r.Timestamp, r.PatientId, ReplayDevices.Of(r.PatientId), r.Vital.Sign, r.Value, r.Unit, ReadingQuality.None));
        var bindings = ReplayDevices.Bindings(ward.Recording, ward.Cohort.Start);
        var (pipeline, count, elapsed) = Play(ward.Cohort, readings, bindings, ward.Catalogue, null, traced, shipped, settings, progress, cancellationToken);
        var truth = new GroundTruth(ward.Cohort.Start, ward.Cohort.End, ward.Cohort.Patients.Count, ward.Events, [], pipeline.News2HighPeriods());
        return new RunResult(ward.Cohort, pipeline, truth, count, elapsed, CopdOnScale2: false, traced);
    }

    private static (WardPipeline Pipeline, long Readings, TimeSpan Elapsed) Play(
        EvaluatedCohort cohort,
        IEnumerable<SimulatedReading> stream,
        IReadOnlyList<DeviceBinding> bindings,
        VitalCatalogue catalogue,
        Dictionary<string, PatientContext>? contexts,
        IReadOnlyList<(string Kind, string PatientId)> traced,
        ShippedConfiguration shipped,
        RunSettings settings,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shipped);
        ArgumentNullException.ThrowIfNull(progress);
        var variants = new List<PolicyVariant> { new("VitalTwin", shipped.Detection, shipped.Policy) };
        if (settings.Sweep is { } sweep)
        {
            variants.AddRange(sweep.Variants(shipped));
        }
        var pipeline = new WardPipeline(bindings, shipped, variants, catalogue, contexts, traced.Select(t => t.PatientId).Distinct(StringComparer.Ordinal))
        {
            HeldMonitor = new FixedLimitMonitor(alarmDelay: settings.MonitorAlarmDelay ?? FixedLimitMonitor.DefaultAlarmDelay),
        };

        var clock = Stopwatch.StartNew();
        var reporter = new ProgressLine(progress, cohort.Start, cohort.Duration, settings.ProgressInterval ?? TimeSpan.FromSeconds(10), clock);
        var clocks = new PipelineClocks(pipeline, shipped, cohort.Start);

        long readings = 0;
        foreach (var reading in stream)
        {
            clocks.RunUntil(reading.ObservedAt);
            pipeline.Observe(reading);
            if ((++readings & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                reporter.Report(reading.ObservedAt, readings);
            }
        }
        clocks.RunUntil(cohort.End);
        reporter.Finish(readings);
        return (pipeline, readings, clock.Elapsed);
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
