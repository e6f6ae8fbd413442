namespace VitalTwin.Evaluation.Metrics;

/// <summary>A labelled clinical event: what an alert should find.</summary>
/// <param name="Kind">The event kind as scenario files spell it, e.g. "acute-desaturation".</param>
/// <param name="End">When the effect was gone again; null for an event that persists.</param>
public sealed record LabelledEvent(string Kind, string PatientId, DateTimeOffset Onset, DateTimeOffset? End, double Severity = 1);

/// <summary>A sensor artifact episode: no alert should come of it. Device moves involve two patients.</summary>
public sealed record ArtifactEpisode(string Kind, IReadOnlyList<string> PatientIds, DateTimeOffset Start, DateTimeOffset End);

/// <summary>A span in which a patient's NEWS2 stood at 7 or more; <paramref name="To"/> is null when it still did at the end.</summary>
public sealed record ScorePeriod(string PatientId, DateTimeOffset From, DateTimeOffset? To);

/// <summary>Everything the alarms of every system are judged against, for one run.</summary>
public sealed record GroundTruth(
    DateTimeOffset Start,
    DateTimeOffset End,
    int PatientCount,
    IReadOnlyList<LabelledEvent> Events,
    IReadOnlyList<ArtifactEpisode> Artifacts,
    IReadOnlyList<ScorePeriod> News2High)
{
    public double PatientDays => PatientCount * (End - Start).TotalDays;
}

/// <summary>
/// One alarm of a system under evaluation, at the time of the data it rests on. Technical alarms (a vital that
/// stopped arriving, a probe-off notice) are counted apart from clinical ones and never as false clinical alarms.
/// </summary>
/// <param name="Cause">What raised it, e.g. "News2High" or "VitalSpike/HeartRate/Up"; false alarms are broken down by it.</param>
public sealed record Alarm(string PatientId, DateTimeOffset At, string Cause, bool Technical = false)
{
    /// <summary>When the alert (or the alarm condition) ended; null where the system has no such notion.</summary>
    public DateTimeOffset? OpenUntil { get; init; }
}

/// <summary>How alarms are matched to labels.</summary>
/// <param name="Grace">
/// An alarm up to this long after an event's end still detects it, and alarms within this long before its onset
/// or after its end are not counted as false (nor as detections before the onset).
/// </param>
/// <param name="ArtifactLag">An alarm this long after an artifact episode ended is still laid at its door.</param>
public sealed record ScoringRules(TimeSpan Grace, TimeSpan ArtifactLag)
{
    public static ScoringRules Default { get; } = new(TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(2));
}
