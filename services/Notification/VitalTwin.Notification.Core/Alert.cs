using VitalTwin.Clinical;

namespace VitalTwin.Notification.Core;

public enum AlertCondition { News2Medium, News2High, News2SingleParameter, VitalSpike, VitalChange, VitalsCombined, VitalStale, TrendingWorse, PersonalLimit }

/// <summary>Priorities as IEC 60601-1-8 means them: awareness, prompt response, immediate response.</summary>
public enum AlertPriority { Low, Medium, High }

/// <summary>Which way a vital left its usual range; a silence on one direction leaves the other alerting.</summary>
public enum AlertDirection { None, Up, Down }

/// <summary>
/// What an alert is about, within one patient: at most one alert per key is open at a time, and a clinician's
/// silence covers exactly one key. NEWS2 aggregate keys have no vital; vital keys carry the direction.
/// </summary>
public readonly record struct AlertKey(AlertCondition Condition, VitalSign? Sign = null, AlertDirection Direction = AlertDirection.None)
{
    public override string ToString() => Sign is { } sign ? $"{Condition}/{sign}/{Direction}" : Condition.ToString();
}

/// <summary>One reason for an alert, in words a nurse reads at a glance, with the value it rests on.</summary>
public sealed record AlertReason(string Text, VitalSign? Sign = null, double? Value = null, string? Unit = null)
{
    /// <summary>The patient's usual level for the vital, where the reason rests on it.</summary>
    public double? Baseline { get; init; }

    /// <summary>How unlikely a detector found the value, for detector reasons.</summary>
    public double? PValue { get; init; }
}

/// <summary>The policy's decision to raise an alert.</summary>
public sealed record AlertDecision(
    string PatientId,
    AlertCondition Condition,
    AlertPriority Priority,
    string Summary,
    IReadOnlyList<AlertReason> Reasons,
    int News2Total)
{
    public AlertKey Key { get; init; } = new(Condition);

    /// <summary>When the reading behind the decision was taken.</summary>
    public DateTimeOffset ObservedAt { get; init; }

    /// <summary>Open alerts this one folds in (a combined alert); the lifecycle resolves them as superseded.</summary>
    public IReadOnlyList<AlertKey> Supersedes { get; init; } = [];

    /// <summary>The patient's personal alarm settings that decided this alert; empty when only the defaults did.</summary>
    public IReadOnlyList<AppliedSetting> PersonalSettings { get; init; } = [];
}

/// <summary>A personal alarm setting as an alert shows it: what it is (e.g. "Heart rate low limit 35 /min (default 40)"), why, by whom, until when.</summary>
public sealed record AppliedSetting(VitalSign? Sign, string Description, string Reason, string Author, DateTimeOffset ExpiresAt);

/// <summary>The condition behind an open alert has cleared, for long enough that the alert can resolve itself.</summary>
public sealed record AlertClearance(string PatientId, AlertKey Key, DateTimeOffset ClearedAt);

/// <summary>What one event (or the passing of time) changed: alerts to raise, and conditions that cleared.</summary>
public sealed record AlertOutcome(IReadOnlyList<AlertDecision> Raised, IReadOnlyList<AlertClearance> Cleared)
{
    public static AlertOutcome None { get; } = new([], []);

    public bool IsEmpty => Raised.Count == 0 && Cleared.Count == 0;
}

/// <summary>A vital's current value as the twin reported it.</summary>
public readonly record struct VitalValue(VitalSign Sign, double Value, string Unit);

/// <summary>
/// A spike (or, with <paramref name="LastingChange"/>, a lasting shift) a detector flagged, as the policy
/// needs it; <paramref name="Explanation"/> is the detector's own sentence, used as the reason when given.
/// <paramref name="PersonalBaseline"/> is the patient's usual level (NaN until learnt). With
/// <paramref name="Deterioration"/> it is the deterioration watch's drift of several vitals from the patient's usual,
/// announced on one of them.
/// </summary>
public sealed record SpikeObservation(
    string PatientId,
    VitalSign Sign,
    double Value,
    string Unit,
    double BaselineMean,
    double PValue,
    bool Upward,
    DateTimeOffset ObservedAt,
    bool LastingChange = false,
    string? Explanation = null,
    double PersonalBaseline = double.NaN,
    bool Deterioration = false);
