namespace VitalTwin.Evaluation.Metrics;

/// <summary>
/// Scores one system's alarms against the labels. The rules, which the report states as well:
/// <list type="bullet">
/// <item>An event is detected when a clinical alarm for its patient falls in [onset, end + grace]; an event that
/// persists (no end) has the run's end as its end. The detection delay is that first alarm's time minus the onset.</item>
/// <item>An alarm detects every event of its patient whose window it falls in, so overlapping events can share one.
/// An alarm raised before the onset and still open at it does not: the event needs an alarm of its own (such an
/// alarm is reported with the outcome).</item>
/// <item>A clinical alarm is false when it falls outside [onset − grace, end + grace] of every event of its patient.
/// Alarms in the grace before an onset only are near-onset: neither false nor detections.</item>
/// <item>Technical alarms are counted apart, never as false clinical alarms, and detect nothing.</item>
/// <item>Alerts per detected event: the clinical alarms of the patient in the event's window [onset, end + grace];
/// one escalating alert per deterioration is 1.</item>
/// <item>An artifact episode produced an alarm when a false clinical alarm for one of its patients falls in
/// [start, end + artifact lag]; an alarm that an event explains is not laid at the artifact's door.</item>
/// </list>
/// </summary>
public static class AlarmScorer
{
    public const string AllKinds = "all";

    public static SystemScore Score(string system, IReadOnlyList<Alarm> alarms, GroundTruth truth, ScoringRules rules)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(rules);

        var clinical = alarms.Where(a => !a.Technical).OrderBy(a => a.At).ToList();
        var byPatient = clinical.ToLookup(a => a.PatientId, StringComparer.Ordinal);
        var eventsByPatient = truth.Events.ToLookup(e => e.PatientId, StringComparer.Ordinal);
        var highByPatient = truth.News2High.ToLookup(p => p.PatientId, StringComparer.Ordinal);

        var outcomes = truth.Events
            .Select(e =>
            {
                var windowEnd = WindowEnd(e, truth, rules);
                var first = byPatient[e.PatientId].FirstOrDefault(a => a.At >= e.Onset && a.At <= windowEnd);
                var open = byPatient[e.PatientId].LastOrDefault(a => a.At < e.Onset && a.OpenUntil > e.Onset);
                var inWindow = byPatient[e.PatientId].Count(a => a.At >= e.Onset && a.At <= windowEnd);
                return new EventOutcome(e, windowEnd, first, FirstNews2High(highByPatient[e.PatientId], e.Onset, windowEnd), open, inWindow);
            })
            .ToList();

        var falseAlarms = new List<Alarm>();
        var nearOnset = 0;
        foreach (var alarm in clinical)
        {
            var events = eventsByPatient[alarm.PatientId];
            if (events.Any(e => alarm.At >= e.Onset && alarm.At <= WindowEnd(e, truth, rules)))
            {
                continue;
            }
            if (events.Any(e => alarm.At >= e.Onset - rules.Grace && alarm.At < e.Onset))
            {
                nearOnset++;
                continue;
            }
            falseAlarms.Add(alarm);
        }

        var falseByPatient = falseAlarms.ToLookup(a => a.PatientId, StringComparer.Ordinal);
        var runHours = (truth.End - truth.Start).TotalHours;
        // A Poisson background: the chance that at least one of the patients' false alarms falls in the episode's window.
        double Chance(ArtifactEpisode episode) => runHours <= 0 ? 0 : 1 - Math.Exp(-episode.PatientIds.Sum(patient =>
            falseByPatient[patient].Count() / runHours * (episode.End + rules.ArtifactLag - episode.Start).TotalHours));
        var artifacts = truth.Artifacts
            .GroupBy(a => a.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ArtifactScore(
                g.Key,
                g.Count(),
                g.Count(episode => episode.PatientIds.Any(patient => falseByPatient[patient].Any(a => a.At >= episode.Start && a.At <= episode.End + rules.ArtifactLag))),
                g.Sum(Chance)))
            .ToList();

        double EventChance(EventOutcome outcome) => runHours <= 0 ? 0
            : 1 - Math.Exp(-falseByPatient[outcome.Event.PatientId].Count() / runHours * (outcome.WindowEnd - outcome.Event.Onset).TotalHours);
        var kinds = outcomes
            .GroupBy(o => o.Event.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Summarise(g.Key, [.. g], EventChance))
            .ToList();

        return new SystemScore(
            system,
            kinds,
            Summarise(AllKinds, outcomes, EventChance),
            outcomes,
            clinical.Count,
            falseAlarms.Count,
            nearOnset,
            alarms.Count(a => a.Technical),
            truth.PatientDays,
            CountBy(falseAlarms, a => a.Cause),
            CountBy(falseAlarms, a => a.PatientId),
            ByHour(falseAlarms, truth),
            artifacts);
    }

    /// <summary>The last moment an alarm still detects the event: its end plus the grace, never past the run's end.</summary>
    public static DateTimeOffset WindowEnd(LabelledEvent labelled, GroundTruth truth, ScoringRules rules)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(rules);
        var end = labelled.End is { } e ? e + rules.Grace : truth.End;
        return end < truth.End ? end : truth.End;
    }

    // NEWS2 may already stand at 7 at the onset (a patient who was unwell before); the event's first high score is then the onset.
    private static DateTimeOffset? FirstNews2High(IEnumerable<ScorePeriod> periods, DateTimeOffset onset, DateTimeOffset windowEnd)
    {
        DateTimeOffset? first = null;
        foreach (var period in periods)
        {
            if (period.From <= windowEnd && (period.To is not { } to || to > onset))
            {
                var at = period.From > onset ? period.From : onset;
                if (first is null || at < first)
                {
                    first = at;
                }
            }
        }
        return first;
    }

    private static Dictionary<string, int> CountBy(IEnumerable<Alarm> alarms, Func<Alarm, string> key) =>
        alarms.GroupBy(key, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static int[] ByHour(IEnumerable<Alarm> alarms, GroundTruth truth)
    {
        var hours = new int[Math.Max(1, (int)Math.Ceiling((truth.End - truth.Start).TotalHours))];
        foreach (var alarm in alarms)
        {
            hours[Math.Clamp((int)((alarm.At - truth.Start).TotalHours), 0, hours.Length - 1)]++;
        }
        return hours;
    }

    private static KindScore Summarise(string kind, IReadOnlyList<EventOutcome> outcomes, Func<EventOutcome, double> chance) => new(
        kind,
        outcomes.Count,
        outcomes.Count(o => o.Detected),
        DelaySummary.Of(outcomes.Where(o => o.DelayFromOnset is not null).Select(o => o.DelayFromOnset!.Value)),
        DelaySummary.Of(outcomes.Where(o => o.DelayFromNews2High is not null).Select(o => o.DelayFromNews2High!.Value)),
        outcomes.Count(o => o.FirstNews2High is not null),
        outcomes.Sum(chance),
        outcomes.Where(o => o.Detected).Select(o => (double)o.AlarmsInWindow).DefaultIfEmpty(double.NaN).Average());
}
