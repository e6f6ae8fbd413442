using System.Globalization;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Notification.Core;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Evaluation.Reporting;

public sealed record ScenarioSummary(
    string Name,
    string? Description,
    DateTimeOffset Start,
    TimeSpan Duration,
    int Patients,
    double PatientDays,
    IReadOnlyDictionary<string, int> EventsByKind,
    IReadOnlyDictionary<string, int> ArtifactsByKind);

/// <summary>What went through the pipeline and how fast.</summary>
/// <param name="AlreadyOpen">VitalTwin decisions the dispatcher dropped because an alert of that key was still open.</param>
public sealed record RunSummary(
    long Readings,
    long Accepted,
    long RejectedUnbound,
    long RejectedByCatalogue,
    long FlaggedByDevice,
    long News2Announcements,
    long StaleAnnouncements,
    long AlreadyOpen,
    double ElapsedSeconds)
{
    public double ReadingsPerSecond => ElapsedSeconds > 0 ? Readings / ElapsedSeconds : double.NaN;
}

/// <summary>Where artifacts were stopped on the way to an alert.</summary>
/// <param name="ScreenedByDetection">Readings AnomalyDetection kept from its detectors, by reason.</param>
/// <param name="PolicySuppressedTowardsBaseline">AlertPolicy.SuppressedTowardsBaseline: anomalies that moved a vital back towards the patient's usual level.</param>
/// <param name="ScreenedInsideEpisodes">Of those, the readings that lie inside a labelled artifact episode of their patient.</param>
/// <param name="UnscoredByTwin">Readings the twin kept out of NEWS2 because the device flagged them.</param>
public sealed record ArtifactHandling(
    IReadOnlyDictionary<string, long> ScreenedByDetection,
    IReadOnlyDictionary<string, long> ScreenedInsideEpisodes,
    long DetectorFindings,
    long PolicySuppressedTowardsBaseline,
    long UnscoredByTwin);

/// <summary>One point of a sweep: the shipped configuration with one parameter changed.</summary>
public sealed record SweepPoint(string Parameter, SystemScore Score, long PolicySuppressedTowardsBaseline);

/// <summary>One system's figures by age band and by condition.</summary>
public sealed record SystemSubgroups(string System, IReadOnlyList<SubgroupScore> Groups);

/// <summary>The configuration the headline ran, as bound from the services' appsettings.json.</summary>
/// <param name="MonitorAlarmDelay">The held fixed-limit monitor's alarm delay (a baseline's setting, not VitalTwin's).</param>
public sealed record ConfigurationSummary(
    IReadOnlyList<string> DetectorBank,
    string ArtifactRules,
    AlertPolicyOptions Policy,
    TimeSpan StalenessCheckInterval,
    TimeSpan PolicyTick,
    IReadOnlyDictionary<string, string> StaleAfter,
    bool CopdOnScale2,
    TimeSpan MonitorAlarmDelay);

public sealed record EvaluationResults(
    ScenarioSummary Scenario,
    RunSummary Run,
    ScoringRules Rules,
    ConfigurationSummary Configuration,
    IReadOnlyList<SystemScore> Systems,
    IReadOnlyList<SweepPoint> Sweep,
    ArtifactHandling Artifacts,
    IReadOnlyList<SystemSubgroups> Subgroups)
{
    public const string VitalTwin = "VitalTwin";
    public const string VitalTwinUrgent = "VitalTwin, medium/high priority only";
    public const string Monitor = "Fixed-limit monitor";
    public const string News2Alone = "NEWS2 alone";

    /// <summary>The fixed-limit monitor with an alarm delay, named with its delay: "Fixed-limit monitor held 10 s".</summary>
    public static string HeldMonitorName(TimeSpan delay) => string.Create(CultureInfo.InvariantCulture, $"{Monitor} held {delay.TotalSeconds:0.#} s");

    public string HeldMonitor => HeldMonitorName(Configuration.MonitorAlarmDelay);

    /// <summary>The systems of the headline, in the order the headline gives them.</summary>
    public IReadOnlyList<string> HeadlineSystems => [VitalTwin, News2Alone, Monitor, HeldMonitor];

    public static EvaluationResults From(RunResult run, ShippedConfiguration shipped, ScoringRules rules)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(shipped);
        ArgumentNullException.ThrowIfNull(rules);
        var pipeline = run.Pipeline;
        var truth = run.Truth;
        var headline = pipeline.Runs[0];

        var systems = new List<SystemScore>
        {
            AlarmScorer.Score(VitalTwin, headline.Alarms(), truth, rules),
            AlarmScorer.Score(VitalTwinUrgent, headline.Alarms(AlertPriority.Medium), truth, rules),
            AlarmScorer.Score(Monitor, pipeline.Monitor.Alarms, truth, rules),
            AlarmScorer.Score(HeldMonitorName(pipeline.HeldMonitor.AlarmDelay), pipeline.HeldMonitor.Alarms, truth, rules),
            AlarmScorer.Score(News2Alone, pipeline.News2Alone.Alarms, truth, rules),
        };
        var sweep = pipeline.Runs.Skip(1)
            .Select(r => new SweepPoint(r.Variant.Parameter!, AlarmScorer.Score(r.Variant.Name, r.Alarms(), truth, rules), r.Policy.SuppressedTowardsBaseline))
            .ToList();

        var cohort = run.Cohort;
        var subgroups = cohort.HasTraits
            ? systems.Select(s => new SystemSubgroups(s.System, Metrics.Subgroups.Of(s, cohort.Patients, cohort.Duration.TotalDays))).ToList()
            : [];
        return new EvaluationResults(
            new ScenarioSummary(
                cohort.Name,
                cohort.Description,
                cohort.Start,
                cohort.Duration,
                truth.PatientCount,
                truth.PatientDays,
                truth.Events.GroupBy(e => e.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                truth.Artifacts.GroupBy(a => a.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)),
            new RunSummary(
                run.Readings,
                pipeline.Accepted,
                pipeline.RejectedUnbound,
                pipeline.RejectedByCatalogue,
                pipeline.FlaggedReadings,
                pipeline.News2Announcements,
                pipeline.StaleAnnouncements,
                headline.AlreadyOpen,
                run.Elapsed.TotalSeconds),
            rules,
            new ConfigurationSummary(
                [.. Enum.GetValues<Clinical.VitalSign>().SelectMany(s => shipped.Detection.BankFor(s)).Distinct().Select(Describe)],
                string.Create(CultureInfo.InvariantCulture,
                    $"dropouts and SpO2 falls nothing corroborates found in the signal (the twin and the detectors alike), flat line after {shipped.Detection.Artifacts.FlatLineLength} equal readings, relearn after a gap of {Durations.Format(shipped.Detection.Artifacts.MaxGap)}; " +
                    $"deterioration watch {(shipped.Detection.Deterioration.Enabled ? $"on, CUSUM threshold {shipped.Detection.Deterioration.Threshold} step-minutes" : "off")}; " +
                    $"twin NEWS2 on the median of {Durations.Format(shipped.Twin.News2Window)} (at least {shipped.Twin.News2WindowMinReadings} readings within {Durations.Format(shipped.Twin.News2WindowMaxAge)}), a band change held {Durations.Format(shipped.Twin.News2Hold)}"),
                shipped.Policy,
                shipped.StalenessCheckInterval,
                shipped.PolicyTick,
                shipped.Twin.StaleAfter.OrderBy(s => s.Key).ToDictionary(s => s.Key.ToString(), s => Durations.Format(s.Value), StringComparer.Ordinal),
                run.CopdOnScale2,
                pipeline.HeldMonitor.AlarmDelay),
            systems,
            sweep,
            new ArtifactHandling(
                pipeline.ShippedDetection.ArtifactReadings.ToDictionary(r => r.Key.ToString(), r => r.Value, StringComparer.Ordinal),
                InsideEpisodes(pipeline.ShippedDetection.Screened, truth),
                pipeline.ShippedDetection.Findings,
                headline.Policy.SuppressedTowardsBaseline,
                pipeline.FlaggedReadings),
            subgroups);
    }

    private static Dictionary<string, long> InsideEpisodes(IReadOnlyList<ScreenedReading> screened, GroundTruth truth)
    {
        var episodes = truth.Artifacts
            .SelectMany(a => a.PatientIds.Select(p => (PatientId: p, a.Start, a.End)))
            .ToLookup(e => e.PatientId, StringComparer.Ordinal);
        return screened
            .Where(r => episodes[r.PatientId].Any(e => r.At >= e.Start && r.At <= e.End))
            .GroupBy(r => r.Reason.ToString(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
    }

    public SystemScore System(string name) => Systems.First(s => s.System == name);

    /// <summary>The lines the build prints last: sensitivity and false alerts per patient-day of each headline system.</summary>
    public IEnumerable<string> HeadlineLines()
    {
        foreach (var name in HeadlineSystems)
        {
            var score = System(name);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"Evaluation {Scenario.Name}: {name}: sensitivity {Percent(score.Overall.Sensitivity)} ({score.Overall.Detected}/{score.Overall.Events}), {score.FalseAlarmsPerPatientDay:0.00} false alerts per patient-day");
        }
    }

    public static string Percent(double fraction) =>
        double.IsNaN(fraction) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:0.0} %");

    private static string Describe(DetectorSpec spec) => spec.Type switch
    {
        DetectorType.IidChangePoint or DetectorType.SsaChangePoint =>
            string.Create(CultureInfo.InvariantCulture, $"{spec.Type} (confidence {spec.Confidence} %, window {spec.WindowSize}, {spec.Martingale} martingale)"),
        DetectorType.SrCnn => string.Create(CultureInfo.InvariantCulture, $"{spec.Type} (window {spec.WindowSize}, threshold {spec.Threshold})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{spec.Type} (confidence {spec.Confidence} %, window {spec.WindowSize}, {spec.Side})"),
    };
}
