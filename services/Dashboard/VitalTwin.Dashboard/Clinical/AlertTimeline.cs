using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>One step of an alert's life: what happened, who did it (empty when the system did) and when, where known.</summary>
public sealed record AlertStep(string What, string Who, DateTimeOffset? When);

/// <summary>One alert of the patient's timeline with its steps, oldest first.</summary>
public sealed record AlertTimelineEntry(AlertView Alert, DateTimeOffset? RaisedAt, IReadOnlyList<AlertStep> Steps);

/// <summary>A patient's alerts in every state, newest raised first, each with the steps of its life.</summary>
public static class AlertTimeline
{
    public static IReadOnlyList<AlertTimelineEntry> Of(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        return [.. alerts
            .Select(a => new AlertTimelineEntry(a, a.Raised?.RaisedAt?.ToDateTimeOffset(), StepsOf(a)))
            .OrderByDescending(e => e.RaisedAt)];
    }

    private static List<AlertStep> StepsOf(AlertView alert)
    {
        var steps = new List<AlertStep> { new("Raised", string.Empty, alert.Raised?.RaisedAt?.ToDateTimeOffset()) };
        if (alert.EscalationLevel > 0)
        {
            // The view keeps the level, not when it was reached; while escalated, its last update is that moment.
            var when = alert.State == AlertState.Escalated ? alert.UpdatedAt?.ToDateTimeOffset() : null;
            steps.Add(new($"Escalated to level {alert.EscalationLevel}", string.Empty, when));
        }
        if (alert.SilencedBy.Length > 0 && alert.SilencedUntil is not null)
        {
            steps.Add(new($"Silenced until {Display.Time(alert.SilencedUntil.ToDateTimeOffset())}", alert.SilencedBy, null));
        }
        if (alert.AcknowledgedBy.Length > 0)
        {
            steps.Add(new("Acknowledged", alert.AcknowledgedBy, alert.AcknowledgedAt?.ToDateTimeOffset()));
        }
        if (alert.State == AlertState.Resolved)
        {
            steps.Add(new(Resolved(alert.Resolution), alert.ResolvedBy, alert.ResolvedAt?.ToDateTimeOffset()));
        }
        return steps;
    }

    private static string Resolved(Resolution resolution) => resolution switch
    {
        Resolution.ConditionCleared => "Resolved: the condition cleared",
        Resolution.ByClinician => "Resolved by a clinician",
        Resolution.Superseded => "Resolved: folded into a later alert",
        Resolution.ConsentWithdrawn => "Resolved: consent withdrawn",
        _ => "Resolved",
    };
}
