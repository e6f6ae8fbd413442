using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Notification.Core;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification;

/// <summary>
/// Carries the policy's decisions into the lifecycle: at most one open alert per patient and key, a decision
/// seen before (a replay after a restart) recognised by its alert id, new alerts inside a clinician's silence
/// raised silenced, and alerts a combined one folds in resolved as superseded.
/// </summary>
internal sealed partial class AlertDispatcher(
    AlertLifecycle lifecycle,
    AlertBook book,
    PatientPartitions partitions,
    PatientWards wards,
    VitalCatalogue catalogue,
    TimeProvider clock,
    NotificationMetrics metrics,
    ILogger<AlertDispatcher> logger)
{
    public async Task ApplyAsync(AlertOutcome outcome, string sourceEventId, CancellationToken cancellationToken)
    {
        // Different keys are different alerts with lifecycles of their own: raising them together keeps a patient
        // who crosses several conditions at once from waiting a publish round trip per condition.
        await Task.WhenAll(outcome.Raised.Select(decision => RaiseAsync(decision, sourceEventId, cancellationToken)));
        foreach (var cleared in outcome.Cleared)
        {
            if (book.OpenAlertId(cleared.PatientId, cleared.Key.ToContract(catalogue)) is { } alertId)
            {
                await lifecycle.ClearAsync(Guid.Parse(alertId), supersededBy: null, cancellationToken);
                LogCleared(logger, alertId);
            }
        }
    }

    private async Task RaiseAsync(AlertDecision decision, string sourceEventId, CancellationToken cancellationToken)
    {
        if (!partitions.TryGet(decision.PatientId, out var partition))
        {
            // Only a patient whose events this instance reads can have decisions here.
            throw new InvalidOperationException("An alert was decided for a patient of no partition this instance owns.");
        }
        var raised = decision.ToAlertRaised(sourceEventId, clock.GetUtcNow(), catalogue);
        raised.Ward = wards.Of(decision.PatientId);
        if (book.Contains(raised.AlertId) || book.OpenAlertId(decision.PatientId, raised.Key) is not null)
        {
            LogAlreadyRaised(logger, raised.AlertId);
            return;
        }
        if (book.SilencedUntil(decision.PatientId, raised.Key) is { } until)
        {
            raised.SilencedUntil = Timestamp.FromDateTimeOffset(until);
        }
        var superseded = decision.Supersedes
            .Select(key => book.OpenAlertId(decision.PatientId, key.ToContract(catalogue)))
            .OfType<string>()
            .ToList();
        raised.Supersedes.AddRange(superseded);

        await lifecycle.OpenAsync(raised, partition, cancellationToken);
        metrics.Raised(raised, decision.ObservedAt == default ? null : clock.GetUtcNow() - decision.ObservedAt);
        LogRaised(logger, raised.AlertId, decision.Condition, decision.Priority);
        foreach (var alertId in superseded)
        {
            await lifecycle.ClearAsync(Guid.Parse(alertId), raised.AlertId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} raised: {Condition}, {Priority} priority")]
    private static partial void LogRaised(ILogger logger, string alertId, AlertCondition condition, AlertPriority priority);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} resolved: its condition cleared")]
    private static partial void LogCleared(ILogger logger, string alertId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert {AlertId} is already raised or its key is open; not raised again")]
    private static partial void LogAlreadyRaised(ILogger logger, string alertId);
}
