using Confluent.Kafka;
using VitalTwin.Clinical;
using VitalTwin.Consent;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.Notification.Core;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults.Routing;

namespace VitalTwin.Notification;

/// <summary>
/// Runs the alert policy over twin events and anomalies. When given partitions it first takes over their open
/// alerts from the alerts topic (the lifecycle's timers restart, the policy learns what is already open), so a
/// restart neither loses an alert nor raises one twice; when partitions go, their alerts are let go.
/// Consent comes from the consent topic, co-partitioned with the inputs and restored before the alerts: a patient
/// without monitoring consent has their events dropped unread, and a refusal or withdrawal resolves their open
/// alerts (see <see cref="AlertDispatcher.WithdrawAsync"/>) before the record's offset is stored.
/// </summary>
internal sealed partial class AlertConsumer(
    AlertPolicy policy,
    AlertDispatcher dispatcher,
    AlertLifecycle lifecycle,
    AlertBook book,
    AlertClocks clocks,
    PatientPartitions patients,
    PatientWards wards,
    PartitionConsents consents,
    OwnershipDirectory ownership,
    VitalCatalogue catalogue,
    EventConsumerContext context,
    ILogger<AlertConsumer> logger)
    : EventConsumer(context, logger)
{
    private static readonly TimeSpan RebuildTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    private readonly ILogger _logger = logger;

    // Partition number → how many of the subscribed topics' partitions with that number are assigned. The
    // alerts of a partition are taken over with the first and let go with the last.
    private readonly HeldPartitions _held = new();

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        if (consumed.Topic == Topics.Consent)
        {
            await HandleConsentAsync(consumed, cancellationToken);
            return;
        }

        // Each event type is taken only from the topic whose contract carries it, and only once it passes the
        // checks below; what fails them throws and is dead-lettered before any alert state is touched.
        var twinEvents = consumed.Topic == Topics.TwinEvents;
        if (consents.Withholds(consumed))
        {
            // Dropped unread, before validation too: a malformed event would otherwise be copied to the dead-letter topic.
        }
        else if (twinEvents && consumed.Is(TwinNews2Changed.Descriptor))
        {
            var changed = consumed.Parse(TwinNews2Changed.Parser);
            EnsureKeyedBy(consumed, changed.PatientId, changed.EventId);
            if (changed.News2 is not { Total: >= 0 and <= 20 } news2 || news2.SubScores.Any(s => s.Score is < 0 or > 3)
                || changed.Vitals.Any(v => !double.IsFinite(v.Value)) || !WithinWindow(changed.ObservedAt))
            {
                throw new InvalidDataException("The NEWS2 change has no score, an impossible one, or an implausible time or value.");
            }
            await clocks.ObserveAsync(consumed.Position.Partition.Value, changed.ObservedAt.ToDateTimeOffset(), cancellationToken);
            patients.Remember(changed.PatientId, consumed.Position.Partition.Value);
            await dispatcher.PlaceAsync(changed.PatientId, changed.Ward, changed.EventId, cancellationToken);
            var outcome = policy.OnNews2Changed(changed.PatientId, changed.News2.ToDomain(), changed.Vitals.ToDomain(catalogue), changed.ObservedAt.ToDateTimeOffset());
            await dispatcher.ApplyAsync(outcome, changed.EventId, cancellationToken);
        }
        else if (twinEvents && consumed.Is(TwinVitalStaleChanged.Descriptor))
        {
            var stale = consumed.Parse(TwinVitalStaleChanged.Parser);
            EnsureKeyedBy(consumed, stale.PatientId, stale.EventId);
            if (!WithinWindow(stale.LastObservedAt) || !WithinWindow(stale.AsOf))
            {
                throw new InvalidDataException("The staleness change has a missing or implausible time.");
            }
            await clocks.ObserveAsync(consumed.Position.Partition.Value, stale.AsOf.ToDateTimeOffset(), cancellationToken);
            if (!catalogue.TryFind(stale.Code?.Loinc, stale.Code?.Mdc, out var definition))
            {
                return;
            }
            patients.Remember(stale.PatientId, consumed.Position.Partition.Value);
            await dispatcher.PlaceAsync(stale.PatientId, stale.Ward, stale.EventId, cancellationToken);
            var outcome = policy.OnVitalStale(stale.PatientId, definition.Sign, stale.Stale, stale.LastObservedAt.ToDateTimeOffset(), stale.AsOf.ToDateTimeOffset());
            await dispatcher.ApplyAsync(outcome, stale.EventId, cancellationToken);
        }
        else if (twinEvents && consumed.Is(TwinWardChanged.Descriptor))
        {
            var moved = consumed.Parse(TwinWardChanged.Parser);
            EnsureKeyedBy(consumed, moved.PatientId, moved.EventId);
            if (!WithinWindow(moved.ChangedAt))
            {
                throw new InvalidDataException("The ward change has a missing or implausible time.");
            }
            patients.Remember(moved.PatientId, consumed.Position.Partition.Value);
            await dispatcher.PlaceAsync(moved.PatientId, moved.Ward, moved.EventId, cancellationToken);
        }
        else if (consumed.Topic == Topics.Anomalies && consumed.Is(AnomalyDetected.Descriptor))
        {
            var anomaly = consumed.Parse(AnomalyDetected.Parser);
            EnsureKeyedBy(consumed, anomaly.PatientId, anomaly.EventId);
            if (!WithinWindow(anomaly.ObservedAt) || !double.IsFinite(anomaly.Value))
            {
                throw new InvalidDataException("The anomaly has a missing or implausible time or value.");
            }
            await clocks.ObserveAsync(consumed.Position.Partition.Value, anomaly.ObservedAt.ToDateTimeOffset(), cancellationToken);
            if (anomaly.Kind is not (AnomalyKind.Spike or AnomalyKind.ChangePoint or AnomalyKind.Deterioration) || !catalogue.TryFind(anomaly.Code?.Loinc, anomaly.Code?.Mdc, out var definition))
            {
                return;
            }
            patients.Remember(anomaly.PatientId, consumed.Position.Partition.Value);
            var observation = new SpikeObservation(
                anomaly.PatientId, definition.Sign, anomaly.Value, anomaly.Unit, anomaly.BaselineMean, anomaly.PValue,
                anomaly.Direction == Direction.Up, anomaly.ObservedAt.ToDateTimeOffset(),
                LastingChange: anomaly.Kind == AnomalyKind.ChangePoint,
                Explanation: string.IsNullOrEmpty(anomaly.Explanation) ? null : anomaly.Explanation,
                PersonalBaseline: anomaly.PersonalBaseline,
                Deterioration: anomaly.Kind == AnomalyKind.Deterioration);
            await dispatcher.ApplyAsync(policy.OnAnomaly(observation), anomaly.EventId, cancellationToken);
        }
        else if (consumed.Schema is null)
        {
            throw new InvalidDataException("The event has no schema header.");
        }
        else
        {
            LogSkipped(_logger, consumed.Schema, consumed.Topic);
        }
    }

    /// <summary>
    /// Applies a consent record. When the patient may no longer be monitored, their open alerts are resolved and the
    /// policy forgets them; only then does the handler return and the loop store the record's offset. A failure is
    /// retried here rather than dead-lettered, which would store the offset past resolutions never published: a
    /// withdrawn patient's alert must not go on paging staff. A replayed record finds their alerts resolved already.
    /// </summary>
    private async Task HandleConsentAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        // A record nobody can read might have been a refusal, so the patient's events are dropped; but an alert is not
        // closed on it.
        if (consents.Apply(consumed) is not { } withdrawn)
        {
            return;
        }
        var partition = consumed.Position.Partition.Value;
        for (var retry = FirstRetry; ; retry = Min(retry * 2, LongestRetry))
        {
            try
            {
                var resolved = await dispatcher.WithdrawAsync(withdrawn, cancellationToken);
                LogWithdrawn(_logger, partition, resolved);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogWithdrawalFailed(_logger, partition, ex.GetType().Name, retry);
            }
            await Task.Delay(retry, Clock, cancellationToken);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Alert ids derive from event ids, so an event without one is refused like one keyed by another patient.</summary>
    private static void EnsureKeyedBy(ConsumedEvent consumed, string patientId, string eventId)
    {
        EventContract.EnsureKeyedBy(consumed, patientId);
        if (string.IsNullOrEmpty(eventId))
        {
            throw new InvalidDataException("The event has no event id.");
        }
    }

    private bool WithinWindow(Google.Protobuf.WellKnownTypes.Timestamp? time) => EventContract.IsPlausibleTime(time, Clock.GetUtcNow());

    // librdkafka calls the rebalance handlers synchronously on the consuming thread (a dedicated one); consents and
    // alerts must be back before the partitions' first event, so waiting here is the point.
    protected override void OnPartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        if (_held.Take(partitions) is { Count: > 0 } taken)
        {
            TakeOver([.. taken]);
        }
    }

    protected override void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        if (_held.Release(partitions) is { Count: > 0 } released)
        {
            LetGo([.. released]);
        }
    }

    // Letting go writes nothing (timers stop, local state is dropped), so a lost partition is let go like a revoked
    // one, but at once for every topic of its number: another member may hold it already.
    protected override void OnPartitionsLost(IReadOnlyList<TopicPartition> partitions)
    {
        if (_held.Lose(partitions) is { Count: > 0 } lost)
        {
            LetGo([.. lost]);
        }
    }

    /// <summary>
    /// Restores the partitions' consents, reads their alert history, then hands each open alert to the lifecycle and
    /// the policy; an open alert of a patient who refused or withdrew meanwhile is resolved instead, timers never restarted.
    /// </summary>
    private void TakeOver(HashSet<int> partitions)
    {
        foreach (var partition in partitions)
        {
            // Consents first: an alert whose patient withdrew since must not page anyone again, not even for a moment.
            consents.Restore(partition);
        }
        var events = 0;
        foreach (var partition in partitions)
        {
            DateTimeOffset? newest = null;
            CompactedTopicReader.ReadToEnd(Kafka, new TopicPartition(Topics.Alerts, partition), RebuildTimeout, consumed =>
            {
                if (AlertTopicRecords.Parse(consumed.Schema, consumed.Value.Span) is { } alertEvent)
                {
                    book.Apply(alertEvent, partition);
                    events++;
                    if (alertEvent is AlertRaised { ObservedAt: { } observedAt } && (newest is null || observedAt.ToDateTimeOffset() > newest))
                    {
                        newest = observedAt.ToDateTimeOffset();
                    }
                }
            }, CancellationToken.None);
            // The partition's event time resumes from the newest reading its alerts were raised on: neither from zero
            // nor from the wall clock, which would run out every clear time of a replayed recording at once.
            clocks.Start(partition, newest);
        }
        var open = book.OpenIn(partitions);
        var withdrawn = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (view, partition) in open)
        {
            if (!consents.MayProcess(partition, view.PatientId))
            {
                withdrawn.Add(view.PatientId);
                continue;
            }
            // The consuming thread is dedicated and has no synchronisation context: waiting here is safe, and
            // no event of these partitions may be handled before their alerts are back.
            lifecycle.RestoreAsync(view, partition, CancellationToken.None).GetAwaiter().GetResult();
            patients.Remember(view.PatientId, partition);
            wards.RememberIfUnknown(view.PatientId, view.Ward);
            if (view.Raised.Key.ToDomain(catalogue) is { } key)
            {
                policy.Restore(view.PatientId, key, view.Raised.RaisedAt.ToDateTimeOffset());
            }
        }
        foreach (var patientId in withdrawn)
        {
            dispatcher.WithdrawAsync(patientId, CancellationToken.None).GetAwaiter().GetResult();
        }
        LogTakenOver(_logger, partitions.Count, events, open.Count - withdrawn.Count, withdrawn.Count);
        // Told once the alerts are back: from then on the other replicas send this partition's desk calls here.
        ownership.Claim(partitions);
    }

    private void LetGo(HashSet<int> partitions)
    {
        var open = book.OpenIn(partitions);
        foreach (var (view, _) in open)
        {
            lifecycle.ReleaseAsync(Guid.Parse(view.AlertId), CancellationToken.None).GetAwaiter().GetResult();
        }
        book.Drop(partitions);
        consents.Drop(partitions);
        foreach (var partition in partitions)
        {
            clocks.Stop(partition);
        }
        var forgotten = patients.Forget(partitions);
        policy.Forget(forgotten);
        wards.Forget(forgotten);
        ownership.Release(partitions);
        LogLetGo(_logger, partitions.Count, open.Count);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a {Schema} event on {Topic}: not one this consumer handles")]
    private static partial void LogSkipped(ILogger logger, string schema, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over {Partitions} partitions: {Events} alert events read, {Open} open alerts resumed, {Withdrawn} patients' open alerts resolved for want of consent")]
    private static partial void LogTakenOver(ILogger logger, int partitions, int events, int open, int withdrawn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring consent refused or withdrawn in partition {Partition}: {Resolved} open alerts resolved, the patient's later events are dropped")]
    private static partial void LogWithdrawn(ILogger logger, int partition, int resolved);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resolving the alerts of a patient who withdrew consent in partition {Partition} failed ({Error}); retrying in {Retry}, the consent offset waits")]
    private static partial void LogWithdrawalFailed(ILogger logger, int partition, string error, TimeSpan retry);

    [LoggerMessage(Level = LogLevel.Information, Message = "Let go of {Partitions} partitions and their {Open} open alerts")]
    private static partial void LogLetGo(ILogger logger, int partitions, int open);
}
