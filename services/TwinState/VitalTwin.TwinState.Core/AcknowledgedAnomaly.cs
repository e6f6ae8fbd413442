namespace VitalTwin.TwinState.Core;

/// <summary>What the clinician who acknowledged an anomaly judged it to be.</summary>
public enum AnomalyVerdict
{
    /// <summary>Acknowledged without a judgement.</summary>
    Unspecified,

    /// <summary>A real change in the patient.</summary>
    Real,

    /// <summary>An artifact, or nothing clinical.</summary>
    FalseAlarm,
}

/// <summary>An anomaly a clinician acknowledged: the anomaly as it was open, their verdict, who, when and why.</summary>
public sealed record AcknowledgedAnomaly(
    TwinAnomaly Anomaly,
    AnomalyVerdict Verdict,
    string AcknowledgedBy,
    DateTimeOffset AcknowledgedAt,
    string Reason);
