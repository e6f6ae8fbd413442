using System.Globalization;
using System.Text;
using VitalTwin.Evaluation.Baselines;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Evaluation.Reporting;

/// <summary>report.md: the figures, where the false alerts come from, the plots, and the rules they were measured by.</summary>
public static class MarkdownReport
{
    private const string MinutesUnit = " min";

    public static string Render(EvaluationResults results, IReadOnlyList<(string Title, string File)> plots)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(plots);
        var md = new StringBuilder();
        var scenario = results.Scenario;
        var run = results.Run;

        Line(md, $"# Clinical evaluation: {scenario.Name}");
        Line(md);
        if (!string.IsNullOrWhiteSpace(scenario.Description))
        {
            Line(md, $"> {scenario.Description}");
            Line(md);
        }
        Line(md, $"{scenario.Patients} patients for {scenario.Duration.TotalHours:0.#} h ({scenario.PatientDays:0.#} patient-days) from {scenario.Start:yyyy-MM-dd HH:mm zzz}. " +
            $"Clinical events: {Counts(scenario.EventsByKind)}. Artifact episodes: {Counts(scenario.ArtifactsByKind)}.");
        Line(md);
        Line(md, $"{run.Readings:N0} readings ({run.Accepted:N0} accepted by the Gateway's checks, {run.FlaggedByDevice:N0} of them flagged by the device) went through " +
            $"the services' detection, twin and alert policy in process, with their shipped configuration, in {run.ElapsedSeconds:0.0} s ({run.ReadingsPerSecond:N0} readings/s). " +
            $"Grace {Durations.Format(results.Rules.Grace)}, artifact lag {Durations.Format(results.Rules.ArtifactLag)} (see Definitions).");
        if (results.Configuration.CopdOnScale2)
        {
            Line(md);
            Line(md, "**Not the shipped behaviour:** this run recorded SpO2 scale 2 for every COPD patient (`--copd-scale2=true`).");
        }
        Line(md);

        Headline(md, results);
        PerKind(md, results);
        AlertsPerEvent(md, results);
        FalseAlarms(md, results);
        SubgroupTables(md, results.Subgroups, "## Subgroups", "Sensitivity (detected/events) and false clinical alerts per patient-day (false alerts / patient-days) of the patients in each age band and with each condition:");
        Artifacts(md, results);
        Sweep(md, results);
        Missed(md, results);

        Line(md, "## Plots");
        Line(md);
        foreach (var (title, file) in plots)
        {
            Line(md, $"### {title}");
            Line(md);
            Line(md, $"![{title}]({file})");
            Line(md);
        }

        Definitions(md, results);
        return md.ToString();
    }

    private static void Headline(StringBuilder md, EvaluationResults results)
    {
        Line(md, "## Headline (shipped configuration)");
        Line(md);
        Line(md, "| System | Sensitivity, all events | Median delay from onset | False clinical alerts per patient-day | Technical alerts per patient-day | Artifact episodes followed by a false clinical alert |");
        Line(md, "|---|---|---|---|---|---|");
        var episodes = results.Scenario.ArtifactsByKind.Values.Sum();
        foreach (var system in results.Systems)
        {
            var alarmed = system.Artifacts.Sum(a => a.EpisodesWithClinicalAlarm);
            Line(md, $"| {system.System} | {EvaluationResults.Percent(system.Overall.Sensitivity)} ({system.Overall.Detected}/{system.Overall.Events}) | " +
                $"{Minutes(system.Overall.FromOnset.MedianMinutes)} | {system.FalseAlarmsPerPatientDay:0.00} ({system.FalseAlarms:N0}) | " +
                $"{system.TechnicalAlarmsPerPatientDay:0.00} ({system.TechnicalAlarms:N0}) | {alarmed} of {episodes} |");
        }
        Line(md);

        var vitalTwin = results.System(EvaluationResults.VitalTwin);
        var monitor = results.System(EvaluationResults.Monitor);
        var held = results.System(results.HeldMonitor);
        var news2 = results.System(EvaluationResults.News2Alone);
        var deterioration = vitalTwin.Overall.Sensitivity;
        Line(md, "Targets (reported, not asserted):");
        Line(md);
        Line(md, $"* Sensitivity ≥ 95 % for deterioration events with ≤ 1 false alert per patient-day: sensitivity {EvaluationResults.Percent(deterioration)}, " +
            $"{vitalTwin.FalseAlarmsPerPatientDay:0.00} false alerts per patient-day — **{(deterioration >= 0.95 && vitalTwin.FalseAlarmsPerPatientDay <= 1 ? "met" : "not met")}**.");
        Line(md, $"* At least 10× fewer false alerts than the fixed-limit monitor: {Ratio(monitor.FalseAlarms, vitalTwin.FalseAlarms)} fewer — **{(vitalTwin.FalseAlarms * 10 <= monitor.FalseAlarms ? "met" : "not met")}** " +
            $"({Ratio(held.FalseAlarms, vitalTwin.FalseAlarms)} fewer than the same monitor with its {Durations.Format(results.Configuration.MonitorAlarmDelay)} alarm delay, " +
            $"and {Ratio(news2.FalseAlarms, vitalTwin.FalseAlarms)} fewer than NEWS2 alone).");
        Line(md);
    }

    private static void PerKind(StringBuilder md, EvaluationResults results)
    {
        Line(md, "## Per event kind");
        Line(md);
        Line(md, "Delays in minutes, median / 90th percentile. \"vs NEWS2 ≥ 7\" is the first alert minus the first moment in the event at which the twin's NEWS2 stood at 7 or more " +
            "(negative: the alert came first), over the events where both happened (n).");
        Line(md);
        Line(md, "\"By chance\" is how many events the system's false alerts alone would be expected to catch, had each patient's fallen at random times at their " +
            "average rate: a sensitivity close to it says little, which is the case for long windows (a persistent sepsis) when false alerts are frequent.");
        Line(md);
        Line(md, "| Event kind | System | Detected | Sensitivity | By chance | Delay from onset | vs NEWS2 ≥ 7 (n) |");
        Line(md, "|---|---|---|---|---|---|---|");
        var kinds = results.Systems[0].Kinds.Select(k => k.Kind).Append(AlarmScorer.AllKinds);
        foreach (var kind in kinds)
        {
            foreach (var system in results.Systems)
            {
                var score = kind == AlarmScorer.AllKinds ? system.Overall : system.Kinds.First(k => k.Kind == kind);
                Line(md, $"| {(kind == AlarmScorer.AllKinds ? "**all**" : kind)} | {system.System} | {score.Detected}/{score.Events} | {EvaluationResults.Percent(score.Sensitivity)} | {score.DetectedByChance:0.0} | " +
                    $"{Delays(score.FromOnset)} | {Delays(score.FromNews2High)} ({score.FromNews2High.Count} of {score.EventsReachingNews2High} reaching 7) |");
            }
        }
        Line(md);
    }

    private static void FalseAlarms(StringBuilder md, EvaluationResults results)
    {
        Line(md, "## Where the false alerts come from");
        Line(md);
        foreach (var system in results.Systems.Where(s => s.System != EvaluationResults.VitalTwinUrgent))
        {
            Line(md, $"**{system.System}** ({system.FalseAlarms:N0} false clinical alerts): " +
                (system.FalseAlarmsByCause.Count == 0 ? "none" : string.Join(", ", system.FalseAlarmsByCause.Take(12).Select(c => $"{c.Key} {c.Value:N0}"))) +
                (system.FalseAlarmsByCause.Count > 12 ? ", …" : string.Empty) + ".");
            Line(md);
        }

        Line(md, "False clinical alerts in the first hour (every detector still learning its patient) and in the rest of the run:");
        Line(md);
        foreach (var system in results.Systems.Where(s => s.System != EvaluationResults.VitalTwinUrgent))
        {
            var first = system.FalseAlarmsByHour.Count > 0 ? system.FalseAlarmsByHour[0] : 0;
            Line(md, $"* {system.System}: {first:N0} in the first hour, {system.FalseAlarms - first:N0} after it.");
        }
        Line(md);
    }

    private static void AlertsPerEvent(StringBuilder md, EvaluationResults results)
    {
        Line(md, "## Alerts per detected event");
        Line(md);
        Line(md, "Mean clinical alerts raised for the patient within a detected event's window [onset, end + grace], per event kind: one deterioration, one escalating alert is 1.");
        Line(md);
        AlertsPerEventTable(md, results.Systems);
    }

    /// <summary>Event kinds down, systems across: mean alerts per detected event (and how many were detected).</summary>
    internal static void AlertsPerEventTable(StringBuilder md, IReadOnlyList<SystemScore> systems)
    {
        Line(md, "| Event kind | " + string.Join(" | ", systems.Select(s => s.System)) + " |");
        Line(md, "|---|" + string.Concat(systems.Select(_ => "---|")));
        foreach (var kind in systems[0].Kinds.Select(k => k.Kind).Append(AlarmScorer.AllKinds))
        {
            var cells = systems.Select(s =>
            {
                var score = kind == AlarmScorer.AllKinds ? s.Overall : s.Kinds.First(k => k.Kind == kind);
                return double.IsNaN(score.AlertsPerDetectedEvent) ? "–" : string.Create(CultureInfo.InvariantCulture, $"{score.AlertsPerDetectedEvent:0.0} ({score.Detected})");
            });
            Line(md, $"| {(kind == AlarmScorer.AllKinds ? "**all**" : kind)} | {string.Join(" | ", cells)} |");
        }
        Line(md);
    }

    /// <summary>Age bands and conditions down, systems across; nothing when there are no subgroups (a recording without its patients).</summary>
    internal static void SubgroupTables(StringBuilder md, IReadOnlyList<SystemSubgroups> subgroups, string title, string introduction)
    {
        if (subgroups.Count == 0)
        {
            return;
        }
        Line(md, title);
        Line(md);
        Line(md, introduction);
        Line(md);
        foreach (var dimension in new[] { Subgroups.Age, Subgroups.Condition })
        {
            var groups = subgroups[0].Groups.Where(g => g.Dimension == dimension).ToList();
            foreach (var (figure, cell) in new (string, Func<SubgroupScore, string>)[]
            {
                ("sensitivity", g => string.Create(CultureInfo.InvariantCulture, $"{EvaluationResults.Percent(g.Sensitivity)} ({g.Detected}/{g.Events})")),
                ("false clinical alerts per patient-day", g => string.Create(CultureInfo.InvariantCulture, $"{g.FalseAlarmsPerPatientDay:0.00} ({g.FalseAlarms:N0})")),
            })
            {
                Line(md, $"| {(dimension == Subgroups.Age ? "Age" : "Condition")}: {figure} | Patients | Events | " + string.Join(" | ", subgroups.Select(s => s.System)) + " |");
                Line(md, "|---|---|---|" + string.Concat(subgroups.Select(_ => "---|")));
                foreach (var group in groups)
                {
                    var cells = subgroups.Select(s => cell(s.Groups.First(g => g.Dimension == dimension && g.Group == group.Group)));
                    Line(md, $"| {group.Group} | {group.Patients} | {group.Events} | {string.Join(" | ", cells)} |");
                }
                Line(md);
            }
        }
    }

    private static void Artifacts(StringBuilder md, EvaluationResults results)
    {
        Line(md, "## Artifacts");
        Line(md);
        Line(md, "Artifact episodes followed by a false clinical alert (an alert for one of the episode's patients between its start and its end plus the artifact lag, that no event explains), " +
            "and in brackets how many would have been by chance alone, had each patient's false alerts fallen at random times at their average rate:");
        Line(md);
        Line(md, "| Artifact | Episodes | " + string.Join(" | ", results.Systems.Select(s => s.System)) + " |");
        Line(md, "|---|---|" + string.Concat(results.Systems.Select(_ => "---|")));
        foreach (var (kind, count) in results.Scenario.ArtifactsByKind)
        {
            Line(md, $"| {kind} | {count} | {string.Join(" | ", results.Systems.Select(s => s.Artifacts.FirstOrDefault(a => a.Kind == kind) is { } a ? $"{a.EpisodesWithClinicalAlarm} ({a.ExpectedByChance:0})" : "0"))} |");
        }
        Line(md);
        var handling = results.Artifacts;
        Line(md, "Where VitalTwin stopped artifacts:");
        Line(md);
        Line(md, $"* AnomalyDetection kept {handling.ScreenedByDetection.Values.Sum():N0} readings from its detectors: " +
            string.Join(", ", handling.ScreenedByDetection.Select(r => $"{r.Key} {r.Value:N0} ({handling.ScreenedInsideEpisodes.GetValueOrDefault(r.Key):N0} inside a labelled artifact episode)")) +
            $"; its detectors published {handling.DetectorFindings:N0} anomalies.");
        Line(md, $"* The twin kept {handling.UnscoredByTwin:N0} device-flagged readings out of NEWS2 (they stay visible as the latest value), and the artifacts its screen found (the detectors' Dropout and UncorroboratedDesaturation counts above come from the same screen).");
        Line(md, $"* Alert policy: {handling.PolicySuppressedTowardsBaseline:N0} anomalies not alerted because the vital moved back towards the patient's usual level " +
            "(artifact readings never reach it: AnomalyDetection publishes no anomaly for them).");
        Line(md);
    }

    private static void Sweep(StringBuilder md, EvaluationResults results)
    {
        if (results.Sweep.Count == 0)
        {
            return;
        }
        var shipped = results.System(EvaluationResults.VitalTwin);
        Line(md, "## Sweep (not the shipped configuration)");
        Line(md);
        Line(md, "One parameter changed from the shipped configuration at a time, on the same readings.");
        Line(md);
        Line(md, "| Configuration | Sensitivity | Median delay from onset | False clinical alerts per patient-day | Artifact episodes with a false alert | " +
            string.Join(" | ", shipped.Kinds.Select(k => k.Kind)) + " |");
        Line(md, "|---|---|---|---|---|" + string.Concat(shipped.Kinds.Select(_ => "---|")));
        foreach (var (name, score) in results.Sweep.Select(p => (p.Parameter, p.Score)).Prepend(("shipped", shipped)))
        {
            Line(md, $"| {name} | {EvaluationResults.Percent(score.Overall.Sensitivity)} | {Minutes(score.Overall.FromOnset.MedianMinutes)} | {score.FalseAlarmsPerPatientDay:0.00} | " +
                $"{score.Artifacts.Sum(a => a.EpisodesWithClinicalAlarm)} | {string.Join(" | ", score.Kinds.Select(k => $"{k.Detected}/{k.Events}, {Minutes(k.FromOnset.MedianMinutes)}"))} |");
        }
        Line(md);
    }

    private static void Missed(StringBuilder md, EvaluationResults results)
    {
        Line(md, "## Missed events");
        Line(md);
        var any = false;
        foreach (var system in results.Systems.Where(s => s.System != EvaluationResults.VitalTwinUrgent))
        {
            var missed = system.Outcomes.Where(o => !o.Detected).ToList();
            if (missed.Count == 0)
            {
                continue;
            }
            any = true;
            Line(md, $"**{system.System}**:");
            Line(md);
            foreach (var outcome in missed)
            {
                var e = outcome.Event;
                Line(md, $"* {e.Kind}, {e.PatientId}, onset {Clock(results, e.Onset)}, {(e.End is { } end ? $"end {Clock(results, end)}" : "persists")}, severity {e.Severity:0.00}; " +
                    (outcome.FirstNews2High is { } high ? $"NEWS2 reached 7 at {Clock(results, high)}" : "NEWS2 never reached 7 in the event") +
                    (outcome.OpenAtOnset is { } open ? $"; an alert raised before the onset was still open at it ({open.Cause}, raised {Clock(results, open.At)})" : string.Empty));
            }
            Line(md);
        }
        if (!any)
        {
            Line(md, "None: every system detected every event.");
            Line(md);
        }
    }

    private static void Definitions(StringBuilder md, EvaluationResults results)
    {
        var rules = results.Rules;
        var configuration = results.Configuration;
        var grace = Durations.Format(rules.Grace);
        Line(md, "## Definitions");
        Line(md);
        Line(md, "**The pipeline.** The scenario's readings, in time order, go through the services' own code in one process: the Gateway's checks (device binding in force at the " +
            "observed time, the vital catalogue's ranges), AnomalyDetection's per-patient monitors (a device's motion, probe-off or calibrating flag marks an artifact), " +
            "TwinState's twin (NEWS2 with staleness; a change of NEWS2 or of staleness is what TwinState announces), and Notification's alert policy with the dispatcher's rule of one " +
            $"open alert per patient and key. Time is the readings' time, as in the services: TwinState moves its twins' clocks every {Durations.Format(configuration.StalenessCheckInterval)} and Notification " +
            $"runs out clear times every {Durations.Format(configuration.PolicyTick)} of simulated time. No clinician acknowledges, silences or records context.");
        Line(md);
        Line(md, $"**Shipped configuration.** Detectors on every vital: {string.Join("; ", configuration.DetectorBank)}. Artifact rules: {configuration.ArtifactRules}. " +
            $"Alert policy: spike alerts {(configuration.Policy.AlertOnSpikes ? "on" : "off")}, change alerts {(configuration.Policy.AlertOnChanges ? "on" : "off")}, spike quiet period {Durations.Format(configuration.Policy.SpikeQuietPeriod)}, clear after {Durations.Format(configuration.Policy.ClearAfter)}, " +
            $"combine window {Durations.Format(configuration.Policy.CombineWindow)}, trending worse open for {Durations.Format(configuration.Policy.TrendOpenFor)}. Twin staleness: {string.Join(", ", configuration.StaleAfter.Select(s => $"{s.Key} {s.Value}"))}.");
        Line(md);
        Line(md, $"**Detection.** An event is detected when a clinical alert for its patient is raised (at the time of the reading it rests on) in [onset, end + {grace}]. " +
            "An event that persists (sepsis) has no end: its window runs to the end of the run. One alert detects every event whose window it falls in. " +
            "The detection delay is that first alert's time minus the onset; \"vs NEWS2 ≥ 7\" subtracts the first moment in the window at which the twin's NEWS2 stood at 7 or more " +
            "(the onset itself if it already did). Percentiles interpolate linearly between ranks. An alert already open when an event starts does not detect it: the event needs an alert of its own.");
        Line(md);
        Line(md, $"**False alerts.** A clinical alert is false when it lies outside [onset − {grace}, end + {grace}] of every event of its patient; alerts only in the {grace} before an onset " +
            "are counted as near-onset, neither false nor detections. Per patient-day: false alerts / (patients × days). VitalTwin's stale-vital alerts and the monitor's probe-off " +
            "(INOP) notices are technical alerts, counted apart and never as false clinical alerts. \"Medium/high priority only\" is the same run with VitalTwin's low-priority alerts left out.");
        Line(md);
        Line(md, $"**Artifacts.** An artifact episode produced an alert when a false clinical alert for one of its patients (both, for a moved device) lies in [start, end + {Durations.Format(rules.ArtifactLag)}].");
        Line(md);
        var limits = string.Join(", ", FixedLimitMonitor.DefaultLimits.Select(l =>
            $"{l.Sign} {(l.Low is { } low ? $"< {low.ToString(CultureInfo.InvariantCulture)}" : string.Empty)}{(l.Low is not null && l.High is not null ? " or " : string.Empty)}{(l.High is { } high ? $"> {high.ToString(CultureInfo.InvariantCulture)}" : string.Empty)}"));
        Line(md, $"**Fixed-limit monitor.** Typical adult factory limits: {limits}. Every accepted sample is compared with the limits; an alarm sounds each time a vital goes beyond " +
            "a limit (non-latching: the condition ends with the first sample back within the limits, and the next excursion alarms again). No alarm delay, averaging or personal limits. " +
            "Device-flagged samples are not compared; the first of a run raises a technical INOP notice instead.");
        Line(md);
        Line(md, $"**{results.HeldMonitor}.** The same limits with the alarm-condition delay bedside monitors are set to on wards: pulse, SpO2 and breathing alarm only once a sample " +
            $"has been beyond the same limit, sample after sample, for {Durations.Format(configuration.MonitorAlarmDelay)} (a return within the limits or a flagged sample starts the wait again); " +
            "cuff pressure and temperature, single measurements, alarm as they come.");
        Line(md);
        Line(md, "**Alerts per detected event.** The patient's clinical alerts in a detected event's window [onset, end + grace], averaged over the detected events of a kind.");
        Line(md);
        Line(md, $"**Subgroups.** Age bands {string.Join(", ", Subgroups.AgeBands.Select(b => b.Name))} years, and the patient's condition. An event counts in its patient's group, " +
            "a false alert in its patient's; patient-days are the group's patients times the run's days.");
        Line(md);
        Line(md, $"**NEWS2 alone.** The twin's own NEWS2 (same staleness rules), alerting each time the aggregate enters {News2Threshold.AggregateThreshold} or more and each time a single parameter enters a " +
            $"score of {News2Threshold.SingleParameterThreshold}: no hysteresis, no detectors, no combination.");
        Line(md);
    }

    internal static string Counts(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));

    internal static string Minutes(double? minutes) =>
        minutes is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.0}{MinutesUnit}") : "–";

    internal static string Delays(DelaySummary delays) =>
        delays.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{delays.MedianMinutes:0.0} / {delays.P90Minutes:0.0}");

    internal static string Ratio(int baseline, int system) =>
        system == 0 ? "∞×" : string.Create(CultureInfo.InvariantCulture, $"{(double)baseline / system:0.0}×");

    private static string Clock(EvaluationResults results, DateTimeOffset at)
    {
        var since = at - results.Scenario.Start;
        return string.Create(CultureInfo.InvariantCulture, $"t+{(int)since.TotalHours}:{since.Minutes:00}");
    }

    internal static void Line(StringBuilder md, string text) => md.Append(text).Append('\n');

    internal static void Line(StringBuilder md) => md.Append('\n');
}
