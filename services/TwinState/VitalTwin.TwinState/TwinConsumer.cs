using Confluent.Kafka;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Consent;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.TwinState.Commands;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Durability;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.Query;

namespace VitalTwin.TwinState;

/// <summary>
/// Applies recorded vitals and detected anomalies to the twins, writes every accepted reading to history and
/// announces NEWS2 changes and changes of staleness (see <see cref="StalenessAnnouncer"/>). State is
/// partition-local: twins are restored when a partition is assigned, and a partition's offsets are stored only
/// after its pending history is written and its twins are snapshotted.
/// A replay after a crash is harmless: twins skip readings they have (device sequence numbers) and history
/// points have an identity.
/// The events a reading causes on the twin-events topic are handed to the producer in order and not awaited one by
/// one (a new patient's first readings announce its NEWS2): the checkpoint waits for their delivery before it
/// snapshots and stores offsets, and a delivery that failed stops the service without storing anything, so the
/// restart replays and announces again from the last checkpoint.
/// History is written in batches (see <see cref="HistoryBuffer"/>) that trail the twin by at most
/// <see cref="HistoryOptions.FlushInterval"/> plus a write.
/// Consent is read from the consent topic, co-partitioned with telemetry: a patient without monitoring consent has
/// every reading and anomaly dropped unread, and a refusal or withdrawal erases the twin, its snapshot and its history
/// before the record's offset is stored (see <see cref="EraseAsync"/>).
/// Clinicians' commands are read from the command topic, co-partitioned too, and applied once (see <see cref="CommandApplier"/>).
/// </summary>
internal sealed partial class TwinConsumer(
    TwinRegistry twins,
    TwinChangeFeed changes,
    StalenessAnnouncer staleness,
    TelemetryClocks clocks,
    VitalCatalogue catalogue,
    ITwinSnapshots snapshots,
    IVitalsStore history,
    IOptions<HistoryOptions> historyOptions,
    IOptions<DurabilityOptions> durability,
    IHostApplicationLifetime lifetime,
    PartitionConsents consents,
    PipelineMetrics pipeline,
    OwnershipDirectory ownership,
    CommandApplier commands,
    EventConsumerContext context,
    ILogger<TwinConsumer> logger)
    : EventConsumer(context, logger)
{
    private readonly ILogger _logger = logger;
    private readonly HeldPartitions _held = new();
    private readonly Dictionary<int, PartitionState> _partitions = [];

    // Set when an event handed to the producer was not delivered: nothing is checkpointed any more, and the service stops.
    private bool _undelivered;

    // Deliveries awaited in a partition before more events are handed over: bounds what a slow cluster leaves in memory.
    private const int MaxAnnouncementsInFlight = 10_000;

    protected override bool StoresOffsetsItself => true;

    // librdkafka calls the rebalance handlers synchronously on the consuming thread (a dedicated one); the
    // twins must be restored before the partition's first event, so waiting here is the point.
    protected override void OnPartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var number in _held.Take(partitions))
        {
            // Consents first: a twin whose patient refused since its snapshot must not come back, not even for a moment.
            var consented = consents.Restore(number);
            var restored = snapshots.LoadAsync(number, CancellationToken.None).GetAwaiter().GetResult()
                .Where(snapshot => consented.MayProcess(snapshot.PatientId))
                .ToList();
            // The partition's event time resumes where its twins' clocks stood, neither from zero nor from the wall clock.
            var state = new PartitionState(
                Clock.GetUtcNow(),
                clocks.Start(number, restored.Max(snapshot => snapshot.AsOf)),
                new HistoryBuffer(history, durability.Value.HistoryBatchSize, historyOptions.Value.FlushInterval, Clock));
            foreach (var snapshot in restored)
            {
                twins.Restore(snapshot);
                state.Patients.Add(snapshot.PatientId);
                changes.Publish(snapshot.PatientId);
            }
            LogRestored(_logger, state.Patients.Count, number);
            _partitions[number] = state;
        }
        // Told once the twins are restored: from then on the other replicas send this partition's calls here.
        ownership.Claim(partitions.Select(partition => partition.Partition.Value));
    }

    protected override void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var number in partitions.Select(partition => partition.Partition.Value).Distinct())
        {
            if (_partitions.TryGetValue(number, out var state))
            {
                CheckpointAsync(number, state, CancellationToken.None).GetAwaiter().GetResult();
            }
        }
        foreach (var number in _held.Release(partitions))
        {
            Forget(number);
        }
        ownership.Release(partitions.Select(partition => partition.Partition.Value));
    }

    // No checkpoint: the partition's new owner restores from the last one and replays what came after it.
    protected override void OnPartitionsLost(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var number in _held.Lose(partitions))
        {
            Forget(number);
        }
        ownership.Release(partitions.Select(partition => partition.Partition.Value));
    }

    private void Forget(int number)
    {
        var state = _partitions[number];
        foreach (var patientId in state.Patients)
        {
            twins.Remove(patientId);
            changes.Publish(patientId);
        }
        clocks.Stop(number);
        consents.Drop([number]);
        _partitions.Remove(number);
    }

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        var number = consumed.Position.Partition.Value;
        var state = _partitions[number];
        if (consumed.Topic == Topics.Consent)
        {
            await HandleConsentAsync(consumed, number, state, cancellationToken);
            await CheckpointDueAsync(cancellationToken);
            return;
        }

        state.NextOffsets[consumed.Position.TopicPartition] = consumed.Position.Offset.Value + 1;
        state.Progressed = true;

        if (consents.Withholds(consumed))
        {
            // Dropped unread, before validation too: a malformed event would otherwise be copied to the dead-letter topic.
        }
        // Each event type is taken only from the topic whose contract carries it.
        else if (consumed.Topic == Topics.Telemetry && consumed.Is(VitalSignsRecorded.Descriptor))
        {
            var recorded = consumed.Parse(VitalSignsRecorded.Parser);
            EnsurePlausible(consumed, recorded);
            await PassTicksAsync(state, recorded.Reading.ObservedAt.ToDateTimeOffset(), cancellationToken);
            await ApplyReadingAsync(recorded, state, cancellationToken);
            pipeline.Processed(recorded.Reading.ObservedAt.ToDateTimeOffset());
        }
        else if (consumed.Topic == Topics.Anomalies && consumed.Is(AnomalyDetected.Descriptor))
        {
            var detected = consumed.Parse(AnomalyDetected.Parser);
            EnsurePlausible(consumed, detected);
            if (detected.ToDomain(catalogue) is { } anomaly)
            {
                state.Patients.Add(detected.PatientId);
                if (twins.GetOrCreate(detected.PatientId).RecordAnomaly(anomaly))
                {
                    changes.Publish(detected.PatientId);
                }
            }
        }
        else if (consumed.Topic == Topics.PatientCommands && consumed.Is(PatientCommand.Descriptor))
        {
            // Applied on this thread, between the readings around it: a checkpoint's snapshot holds it exactly when the
            // command partition's stored offset is past it.
            var command = consumed.Parse(PatientCommand.Parser);
            EventContract.EnsureKeyedBy(consumed, command.PatientId);
            if (string.IsNullOrEmpty(command.CommandId) || string.IsNullOrEmpty(command.Actor))
            {
                throw new InvalidDataException("The command has no id or no actor.");
            }
            state.Patients.Add(command.PatientId);
            await commands.ApplyAsync(command, consumed.Position.Offset.Value, cancellationToken);
        }
        else if (consumed.Schema is null)
        {
            throw new InvalidDataException("The event has no schema header.");
        }
        else
        {
            LogSkipped(_logger, consumed.Schema, consumed.Topic);
        }

        await FlushHistoryDueAsync(cancellationToken);
        await CheckpointDueAsync(cancellationToken);
    }

    protected override async Task OnIdleAsync(CancellationToken cancellationToken)
    {
        await FlushHistoryDueAsync(cancellationToken);
        await CheckpointDueAsync(cancellationToken);
    }

    /// <summary>Writes every partition's history batch that is full or has waited the flush interval.</summary>
    private async Task FlushHistoryDueAsync(CancellationToken cancellationToken)
    {
        foreach (var state in _partitions.Values)
        {
            await state.History.FlushIfDueAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Applies a consent record. When the patient may no longer be monitored, everything kept of them is erased; the
    /// record's offset is stored only once that is durable. An erasure that fails is not dead-lettered (that would store
    /// the offset past it): the patient stays refused, the erasure is retried at every checkpoint, and the consent
    /// partition's stored offset waits for it, so a restart erases again.
    /// </summary>
    private async Task HandleConsentAsync(ConsumedEvent consumed, int number, PartitionState state, CancellationToken cancellationToken)
    {
        var erase = consents.Apply(consumed);
        consents.Handled(consumed, erase);
        if (erase is not null)
        {
            await EraseOwedAsync(number, state, cancellationToken);
        }
        state.Progressed = true;
    }

    private Task EraseOwedAsync(int number, PartitionState state, CancellationToken cancellationToken) =>
        consents.EraseOwedAsync(number, (patientId, erasing) => EraseAsync(number, patientId, state, erasing), cancellationToken);

    /// <summary>
    /// Removes the twin from memory (watchers see it go), drops its readings not yet written, deletes its history and
    /// its snapshot. Each step is idempotent, so a retry or a replay after a crash repeats it harmlessly.
    /// </summary>
    private async Task EraseAsync(int number, string patientId, PartitionState state, CancellationToken cancellationToken)
    {
        state.History.Remove(patientId);
        state.Patients.Remove(patientId);
        if (twins.Remove(patientId))
        {
            changes.Publish(patientId);
        }
        await history.DeleteAsync(patientId, cancellationToken);
        await snapshots.EraseAsync(number, patientId, cancellationToken);
    }

    private async Task CheckpointDueAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        foreach (var (number, state) in _partitions)
        {
            if ((state.Progressed || consents.Owes(number)) && now - state.LastCheckpoint >= durability.Value.CheckpointInterval)
            {
                await CheckpointAsync(number, state, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Throws, so that the event is dead-lettered before it touches a twin, unless it is a reading the Gateway could
    /// have accepted, keyed by its own patient (another key would put it on another patient's partition). A vital
    /// this version does not know passes, and is skipped.
    /// </summary>
    private void EnsurePlausible(ConsumedEvent consumed, VitalSignsRecorded recorded)
    {
        var reading = recorded.Reading ?? throw new InvalidDataException("The event holds no reading.");
        EventContract.EnsureKeyedBy(consumed, reading.PatientId);
        if (string.IsNullOrEmpty(reading.DeviceId) || string.IsNullOrEmpty(recorded.EventId) || !WithinWindow(reading.ObservedAt))
        {
            throw new InvalidDataException("The reading has no device or event id, or its time is missing or outside any Gateway's window.");
        }
        if (catalogue.TryFind(reading.Code?.Loinc, reading.Code?.Mdc, out var definition)
            && (!string.Equals(reading.Unit, definition.CanonicalUnit, StringComparison.Ordinal) || !definition.IsPlausible(reading.Value)))
        {
            throw new InvalidDataException("The reading is not in its vital's canonical unit and physiological range.");
        }
    }

    private void EnsurePlausible(ConsumedEvent consumed, AnomalyDetected detected)
    {
        EventContract.EnsureKeyedBy(consumed, detected.PatientId);
        if (string.IsNullOrEmpty(detected.EventId) || !WithinWindow(detected.ObservedAt) || !double.IsFinite(detected.Value))
        {
            throw new InvalidDataException("The anomaly has no event id, or its time or value is missing or implausible.");
        }
    }

    private bool WithinWindow(Google.Protobuf.WellKnownTypes.Timestamp? time) => EventContract.IsPlausibleTime(time, Clock.GetUtcNow());

    private async Task ApplyReadingAsync(VitalSignsRecorded recorded, PartitionState state, CancellationToken cancellationToken)
    {
        var reading = recorded.Reading;
        if (!catalogue.TryFind(reading.Code.Loinc, reading.Code.Mdc, out var definition))
        {
            return;
        }
        var observedAt = reading.ObservedAt.ToDateTimeOffset();
        var observation = new VitalObservation(definition.Sign, reading.Value, reading.Unit, observedAt, reading.DeviceId, reading.SequenceNumber, reading.QualityFlags.ToDomain(), reading.BootId);
        var twin = twins.GetOrCreate(reading.PatientId);
        state.Patients.Add(reading.PatientId);
        var (change, announced) = staleness.Apply(twin, observation, cancellationToken);
        await AnnouncedAsync(state, announced, cancellationToken);
        if (!change.Applied)
        {
            return;
        }
        changes.Publish(reading.PatientId);
        state.History.Add(new VitalPoint(reading.PatientId, definition.Loinc, reading.Value, reading.Unit, observedAt, reading.DeviceId));
        // A personal limit can lie inside a NEWS2 band: crossing it is announced too, so the policy judges it at once.
        if (!change.Announces(twin.Settings.InForceAt(observedAt)))
        {
            return;
        }
        var changed = change.ToNews2Changed($"{recorded.EventId}/news2", reading.PatientId, twin.Snapshot(), reading.ObservedAt, catalogue);
        // Handed over now, on this thread, so it keeps its place among the patient's events; delivered by the checkpoint.
        await AnnouncedAsync(state, Producer.PublishAsync(Topics.TwinEvents, reading.PatientId, changed, changed.EventId, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Keeps a delivery in flight for the partition's next checkpoint; waits only when
    /// <see cref="MaxAnnouncementsInFlight"/> are, for the oldest.
    /// </summary>
    private async Task AnnouncedAsync(PartitionState state, Task delivery, CancellationToken cancellationToken)
    {
        if (delivery.IsCompletedSuccessfully)
        {
            return;
        }
        var inFlight = state.Announcements;
        inFlight.Enqueue(delivery);
        while (inFlight.TryPeek(out var oldest) && (oldest.IsCompletedSuccessfully || inFlight.Count > MaxAnnouncementsInFlight))
        {
            if (!oldest.IsCompleted)
            {
                await oldest.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (!oldest.IsCompletedSuccessfully)
            {
                // Left in place for the checkpoint, which then stores nothing.
                if (oldest.IsCompleted)
                {
                    Undelivered();
                }
                break;
            }
            _ = inFlight.Dequeue();
        }
    }

    /// <summary>Waits for every event the partition handed to the producer; false when one was not delivered.</summary>
    private async Task<bool> DeliveredAsync(PartitionState state)
    {
        while (state.Announcements.TryPeek(out var delivery))
        {
            // Not cancellable: a checkpoint must know whether the events before its offsets are out.
            await delivery.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!delivery.IsCompletedSuccessfully)
            {
                LogUndelivered(_logger, delivery.Exception?.InnerException?.GetType().Name ?? "cancelled");
                return false;
            }
            _ = state.Announcements.Dequeue();
        }
        return true;
    }

    /// <summary>
    /// Event time: the reading moves its partition's watermark, and every tick it passes moves the clocks of the
    /// partition's twins before the reading is applied, as the in-process evaluation runs its clock up to each reading.
    /// A vital that stopped arriving turns stale at the tick in the readings' time, whatever the replay speed.
    /// </summary>
    private async Task PassTicksAsync(PartitionState state, DateTimeOffset observedAt, CancellationToken cancellationToken)
    {
        foreach (var tick in state.Patients.Watermark.Observe(observedAt))
        {
            var (refreshed, announced) = staleness.Refresh(twins, state.Patients, tick, cancellationToken);
            foreach (var twin in refreshed)
            {
                changes.Publish(twin.PatientId);
            }
            await AnnouncedAsync(state, announced, cancellationToken);
        }
    }

    private async Task CheckpointAsync(int partition, PartitionState state, CancellationToken cancellationToken)
    {
        // The snapshot must not hold a reading whose events may be lost: a replay from it would skip the reading.
        if (_undelivered || !await DeliveredAsync(state))
        {
            Undelivered();
            return;
        }
        await EraseOwedAsync(partition, state, cancellationToken);
        await state.History.FlushAsync(cancellationToken);
        var snapshotsOfPartition = state.Patients
            .Select(id => twins.TryGet(id, out var twin) ? twin!.Snapshot() : null)
            .OfType<TwinSnapshot>()
            .ToList();
        await snapshots.SaveAsync(partition, snapshotsOfPartition, cancellationToken);
        foreach (var (topicPartition, next) in state.NextOffsets)
        {
            StoreOffset(new TopicPartitionOffset(topicPartition, next));
        }
        foreach (var consentOffset in consents.StorableOffset(partition))
        {
            StoreOffset(consentOffset);
        }
        state.LastCheckpoint = Clock.GetUtcNow();
        state.Progressed = false;
    }

    /// <summary>
    /// librdkafka gave up on an event after its own retries. The twins hold readings whose events are lost, so
    /// nothing more is checkpointed: the service stops, and its restart (or the partitions' next owner) replays from
    /// the last checkpoint and announces them again.
    /// </summary>
    private void Undelivered()
    {
        if (!_undelivered)
        {
            _undelivered = true;
            LogStopping(_logger);
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A twin event was not delivered ({Error})")]
    private static partial void LogUndelivered(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Twin events were not delivered: no further checkpoint; stopping so that a restart replays from the last one")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a {Schema} event on {Topic}: not one this consumer handles")]
    private static partial void LogSkipped(ILogger logger, string schema, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} twins for partition {Partition}")]
    private static partial void LogRestored(ILogger logger, int count, int partition);

    /// <summary>The twins of one partition number (every patient-keyed topic is co-partitioned) and how far they reach.</summary>
    private sealed class PartitionState(DateTimeOffset now, PartitionClock patients, HistoryBuffer history)
    {
        /// <summary>The partition's patients and its event time.</summary>
        public PartitionClock Patients { get; } = patients;

        public Dictionary<TopicPartition, long> NextOffsets { get; } = [];

        /// <summary>Accepted readings not yet in history.</summary>
        public HistoryBuffer History { get; } = history;

        /// <summary>Events handed to the producer, oldest first, whose delivery the next checkpoint waits for.</summary>
        public Queue<Task> Announcements { get; } = new();

        public DateTimeOffset LastCheckpoint { get; set; } = now;

        /// <summary>Events were handled since the last checkpoint.</summary>
        public bool Progressed { get; set; }
    }
}
