using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Notification.Core;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// The configuration the services run with, which a replay must run with too: TwinState's twin settings, AnomalyDetection's
/// detection options and Notification's alert policy, and the event-time grids on which TwinState moves its twins' clocks
/// (staleness) and Notification lets clear times run out.
/// </summary>
public sealed record ReplayConfiguration(
    TwinSettings Twin,
    DetectionOptions Detection,
    AlertPolicyOptions Policy,
    TimeSpan StalenessCheckInterval,
    TimeSpan PolicyTick)
{
    /// <summary>The class defaults of every option, which are also what the services' appsettings.json ship.</summary>
    public static ReplayConfiguration Shipped { get; } =
        new(TwinSettings.Default, new DetectionOptions(), new AlertPolicyOptions(), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(1));

    /// <summary>How far before an alert its causing readings are looked for.</summary>
    public TimeSpan CauseWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most causing readings kept per alert: the latest before it was raised.</summary>
    public int MaxCausesPerAlert { get; init; } = 20;

    /// <summary>How long before an alert an anomaly a clinician confirmed counts as under it (besides the alert's open span).</summary>
    public TimeSpan ConfirmedAnomalyLookBack { get; init; } = TimeSpan.FromMinutes(15);
}
