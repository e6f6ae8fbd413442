using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Consent;
using VitalTwin.Notification.Core;
using VitalTwin.Notification.Lifecycle;

namespace VitalTwin.Notification;

/// <summary>
/// Carries the policy's decisions into the lifecycle: at most one open alert per patient and key, a decision
/// seen before (a replay after a restart) recognised by its alert id, new alerts inside a clinician's silence
/// raised silenced, and alerts a combined one folds in resolved as superseded. A patient moved to another ward
/// takes their open alerts along. A patient without monitoring consent gets no new alert, and their open ones are
/// resolved as consent withdrawn.
/// </summary>
internal sealed partial class AlertDispatcher(
    AlertLifecycle lifecycle,
    AlertBook book,
    AlertPolicy policy,
    PatientPartitions partitions,
    PatientWards wards,
    PartitionConsents consents,
    VitalCatalogue catalogue,
    TimeProvider clock,
    NotificationMetrics metrics,
    ILogger<AlertDispatcher> logger)
{
    // The consumer and the clock both apply decisions. A withdrawal waits for a decision being applied and the
    // decision after it sees the consent: otherwise the clock could raise an alert just after the withdrawal
    // resolved the patient's open ones.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task ApplyAsync(AlertOutcome outcome, string sourceEventId, CancellationToken cancellationToken)
    {
        if (outcome.IsEmpty)
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Clearances first, in the policy's own order: an anomaly that comes after its key's quiet period ran out,
            // before any tick cleared the old alert, both clears that alert and raises the key again. Raised first, the
            // new alert would meet the old one still open, and the clearance would then find the new one.
            foreach (var cleared in outcome.Cleared)
            {
                if (book.OpenAlertId(cleared.PatientId, cleared.Key.ToContract(catalogue)) is { } alertId)
                {
                    await lifecycle.ClearAsync(Guid.Parse(alertId), supersededBy: null, cancellationToken);
                    LogCleared(logger, alertId);
                }
            }
            // Different keys are different alerts with lifecycles of their own: raising them together keeps a patient
            // who crosses several conditions at once from waiting a publish round trip per condition.
            await Task.WhenAll(outcome.Raised.Select(decision => RaiseAsync(decision, sourceEventId, cancellationToken)));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The patient is on <paramref name="ward"/> now, as a twin event said (empty: none recorded). New alerts take
    /// that ward, and each open alert of the patient moves to it, on the alerts topic first, so AlertDesk shows it
    /// to the clinicians of the ward the patient is on, after a restart too.
    /// </summary>
    public async Task PlaceAsync(string patientId, string ward, string sourceEventId, CancellationToken cancellationToken)
    {
        // Nearly every twin event repeats the ward already known: only a move takes the gate.
        if (string.Equals(wards.Of(patientId), ward, StringComparison.Ordinal))
        {
            return;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Under the gate, so an alert raised meanwhile either takes the new ward or is moved below.
            wards.Remember(patientId, ward);
            foreach (var (view, _) in book.OpenOf(patientId))
            {
                if (!string.Equals(view.Ward, ward, StringComparison.Ordinal)
                    && (await lifecycle.MoveAsync(Guid.Parse(view.AlertId), ward, sourceEventId, cancellationToken)).Accepted)
                {
                    LogMoved(logger, view.AlertId);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The patient refused or withdrew consent (already in <see cref="PartitionConsents"/>): each open alert is resolved
    /// through its lifecycle, which cancels its timers and puts the resolution on the alerts topic before this returns,
    /// then the policy and the wards forget the patient. An alert already resolved (a replayed record) is left alone.
    /// </summary>
    /// <returns>How many alerts were resolved.</returns>
    public async Task<int> WithdrawAsync(string patientId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var resolved = 0;
            foreach (var (view, partition) in book.OpenOf(patientId))
            {
                if ((await lifecycle.WithdrawAsync(view, partition, cancellationToken)).Accepted)
                {
                    resolved++;
                    LogWithdrawn(logger, view.AlertId);
                }
            }
            policy.Forget([patientId]);
            wards.Forget([patientId]);
            return resolved;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RaiseAsync(AlertDecision decision, string sourceEventId, CancellationToken cancellationToken)
    {
        if (!partitions.TryGet(decision.PatientId, out var partition))
        {
            // Only a patient whose events this instance reads can have decisions here.
            throw new InvalidOperationException("An alert was decided for a patient of no partition this instance owns.");
        }
        if (!consents.MayProcess(partition, decision.PatientId))
        {
            LogWithoutConsent(logger);
            return;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} resolved: the patient refused or withdrew consent to monitoring")]
    private static partial void LogWithdrawn(ILogger logger, string alertId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} moved with its patient to another ward")]
    private static partial void LogMoved(ILogger logger, string alertId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An alert decided for a patient without monitoring consent was not raised")]
    private static partial void LogWithoutConsent(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert {AlertId} is already raised or its key is open; not raised again")]
    private static partial void LogAlreadyRaised(ILogger logger, string alertId);
}
