using VitalTwin.Clinical;

namespace VitalTwin.Notification.Core;

public enum AlertCondition { News2Medium, News2High, News2SingleParameter, VitalSpike, VitalChange }

/// <summary>Priorities as IEC 60601-1-8 means them: awareness, prompt response, immediate response.</summary>
public enum AlertPriority { Low, Medium, High }

/// <summary>One reason for an alert, in words a nurse reads at a glance, with the value it rests on.</summary>
public sealed record AlertReason(string Text, VitalSign? Sign = null, double? Value = null, string? Unit = null);

/// <summary>The policy's decision to raise an alert.</summary>
public sealed record AlertDecision(
    string PatientId,
    AlertCondition Condition,
    AlertPriority Priority,
    string Summary,
    IReadOnlyList<AlertReason> Reasons,
    int News2Total);

/// <summary>A vital's current value as the twin reported it.</summary>
public readonly record struct VitalValue(VitalSign Sign, double Value, string Unit);

/// <summary>
/// A spike (or, with <paramref name="LastingChange"/>, a lasting shift) a detector flagged, as the policy
/// needs it; <paramref name="Explanation"/> is the detector's own sentence, used as the reason when given.
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
    string? Explanation = null);
