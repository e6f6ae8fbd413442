using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core;

public enum AnomalyKind
{
    Spike,
    ChangePoint,

    /// <summary>Several vitals drifting from the patient's usual together (the deterioration watch), named on one of them.</summary>
    Deterioration,
}

/// <summary>
/// An anomaly a detector found in one reading, identified by <paramref name="Id"/> (the event id, so a replay is
/// recognised) and pointing at the reading by vital and observed time.
/// </summary>
public sealed record TwinAnomaly(
    string Id,
    AnomalyKind Kind,
    VitalSign Sign,
    DateTimeOffset ObservedAt,
    double Value,
    string DeviceId,
    string Detector,
    string Explanation);
