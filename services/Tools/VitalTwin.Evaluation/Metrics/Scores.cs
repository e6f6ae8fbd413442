namespace VitalTwin.Evaluation.Metrics;

/// <summary>Median and 90th percentile of a set of delays, in minutes; null where there was nothing to measure.</summary>
public sealed record DelaySummary(int Count, double? MedianMinutes, double? P90Minutes)
{
    public static DelaySummary Of(IEnumerable<TimeSpan> delays)
    {
        var minutes = delays.Select(d => d.TotalMinutes).ToList();
        return new DelaySummary(minutes.Count, Percentiles.Of(minutes, 0.5), Percentiles.Of(minutes, 0.9));
    }
}

/// <summary>How one labelled event fared: its detection window and the first alarm in it.</summary>
/// <param name="WindowEnd">The last moment an alarm detects the event: its end plus the grace, or the run's end.</param>
/// <param name="FirstNews2High">The first moment in the window at which the patient's NEWS2 stood at 7 or more.</param>
/// <param name="OpenAtOnset">An alarm of the patient raised before the onset and still open at it, which may be why no new one came.</param>
/// <param name="AlarmsInWindow">The patient's clinical alarms in [onset, window end].</param>
public sealed record EventOutcome(LabelledEvent Event, DateTimeOffset WindowEnd, Alarm? FirstAlarm, DateTimeOffset? FirstNews2High, Alarm? OpenAtOnset = null, int AlarmsInWindow = 0)
{
    public bool Detected => FirstAlarm is not null;

    public TimeSpan? DelayFromOnset => FirstAlarm?.At - Event.Onset;

    /// <summary>Negative when the alarm came before NEWS2 reached 7.</summary>
    public TimeSpan? DelayFromNews2High => FirstAlarm is { } alarm && FirstNews2High is { } high ? alarm.At - high : null;
}

/// <summary>Detection figures for one event kind (or "all").</summary>
/// <param name="DetectedByChance">
/// How many events the system's false alarms alone would be expected to "detect", had each patient's fallen at random
/// times at their average rate: a long window (a persistent sepsis) catches one by chance, and a sensitivity near this
/// figure says little.
/// </param>
/// <param name="AlertsPerDetectedEvent">Mean clinical alerts in a detected event's window; NaN when none was detected.</param>
public sealed record KindScore(
    string Kind,
    int Events,
    int Detected,
    DelaySummary FromOnset,
    DelaySummary FromNews2High,
    int EventsReachingNews2High,
    double DetectedByChance,
    double AlertsPerDetectedEvent = double.NaN)
{
    /// <summary>Detected / events; NaN for a kind without events.</summary>
    public double Sensitivity => Events == 0 ? double.NaN : (double)Detected / Events;
}

/// <summary>How many artifact episodes of a kind were followed by a false clinical alarm.</summary>
/// <param name="ExpectedByChance">
/// How many would have been, had the patients' false alarms fallen at random times at their average rate over
/// the run: the background an artifact's own effect stands out against.
/// </param>
public sealed record ArtifactScore(string Kind, int Episodes, int EpisodesWithClinicalAlarm, double ExpectedByChance);

/// <summary>The whole verdict on one system's alarms.</summary>
/// <param name="ClinicalAlarms">Every clinical alarm, true or false.</param>
/// <param name="NearOnsetAlarms">Clinical alarms within the grace before an onset only: neither false nor detections.</param>
/// <param name="FalseAlarmsByHour">False alarms in each hour of the run, from its start.</param>
public sealed record SystemScore(
    string System,
    IReadOnlyList<KindScore> Kinds,
    KindScore Overall,
    IReadOnlyList<EventOutcome> Outcomes,
    int ClinicalAlarms,
    int FalseAlarms,
    int NearOnsetAlarms,
    int TechnicalAlarms,
    double PatientDays,
    IReadOnlyDictionary<string, int> FalseAlarmsByCause,
    IReadOnlyDictionary<string, int> FalseAlarmsByPatient,
    IReadOnlyList<int> FalseAlarmsByHour,
    IReadOnlyList<ArtifactScore> Artifacts)
{
    public double FalseAlarmsPerPatientDay => PatientDays > 0 ? FalseAlarms / PatientDays : double.NaN;

    public double TechnicalAlarmsPerPatientDay => PatientDays > 0 ? TechnicalAlarms / PatientDays : double.NaN;
}
