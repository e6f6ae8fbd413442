using VitalTwin.Clinical;
using VitalTwin.Notification.Core;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>A reading behind an alert.</summary>
public readonly record struct CausingReading(VitalSign Sign, DateTimeOffset ObservedAt, double Value);

/// <summary>An anomaly a clinician acknowledged and judged real, which no setting should silence.</summary>
public sealed record ConfirmedAnomaly(string Id, VitalSign Sign, DateTimeOffset ObservedAt);

/// <summary>One alert a replay raised: when, on what, until when it stayed open (null: still open at the window's end).</summary>
public sealed record ReplayedAlert(
    AlertKey Key,
    AlertPriority Priority,
    string Summary,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ClearedAt,
    IReadOnlyList<VitalSign> Signs,
    bool UnderPersonalSetting)
{
    public AlertCondition Condition => Key.Condition;

    /// <summary>For an alert that disappears: the readings that caused it.</summary>
    public IReadOnlyList<CausingReading> Causes { get; init; } = [];

    /// <summary>The value each vital's reason quotes and which way it moved, which the alert's causes are judged against.</summary>
    internal IReadOnlyDictionary<VitalSign, (double Value, bool Upward)> Reported { get; init; } = new Dictionary<VitalSign, (double, bool)>();

    /// <summary>The confirmed-real anomaly this alert covered, which the proposed settings leave without an alert.</summary>
    public string? ConfirmedAnomalyId { get; init; }
}

/// <summary>What the replay found: the alerts of each variant, which disappear and which appear, and what to warn of.</summary>
public sealed record SettingsSimulationResult(
    DateTimeOffset From,
    DateTimeOffset To,
    long ReadingsReplayed,
    IReadOnlyList<ReplayedAlert> Current,
    IReadOnlyList<ReplayedAlert> Proposed,
    IReadOnlyList<ReplayedAlert> Disappeared,
    IReadOnlyList<ReplayedAlert> Appeared,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Said with every answer: decision support, and what the replay cannot know.</summary>
    public const string Disclaimer =
        "Decision support, not a recommendation: the patient's recorded readings replayed through the services' own twin, " +
        "detection and alert policy, once with the settings in force and once with the proposed ones, each applied " +
        "throughout the window. The patient's current context (oxygen, consciousness, SpO2 scale) stands for the whole " +
        "window, since history keeps no context changes; device quality flags are not kept in history either, so only " +
        "the artifacts the services find in the signal itself are screened out. Alerts a clinician acknowledged or " +
        "silenced are not modelled.";
}
