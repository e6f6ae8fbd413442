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
    IOptions<DurabilityOptions> durability,
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
            var state = new PartitionState(Clock.GetUtcNow(), clocks.Start(number, restored.Max(snapshot => snapshot.AsOf)));
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

        if (state.PendingHistory.Count >= durability.Value.HistoryBatchSize)
        {
            await FlushHistoryAsync(state, cancellationToken);
        }
        await CheckpointDueAsync(cancellationToken);
    }

    protected override Task OnIdleAsync(CancellationToken cancellationToken) => CheckpointDueAsync(cancellationToken);

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
        state.PendingHistory.RemoveAll(point => string.Equals(point.PatientId, patientId, StringComparison.Ordinal));
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
        await announced;
        if (!change.Applied)
        {
            return;
        }
        changes.Publish(reading.PatientId);
        state.PendingHistory.Add(new VitalPoint(reading.PatientId, definition.Loinc, reading.Value, reading.Unit, observedAt, reading.DeviceId));
        // A personal limit can lie inside a NEWS2 band: crossing it is announced too, so the policy judges it at once.
        if (!change.Announces(twin.Settings.InForceAt(observedAt)))
        {
            return;
        }
        var changed = change.ToNews2Changed($"{recorded.EventId}/news2", reading.PatientId, twin.Snapshot(), reading.ObservedAt, catalogue);
        await Producer.PublishAsync(Topics.TwinEvents, reading.PatientId, changed, changed.EventId, cancellationToken);
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
            await announced;
        }
    }

    private async Task FlushHistoryAsync(PartitionState state, CancellationToken cancellationToken)
    {
        if (state.PendingHistory.Count == 0)
        {
            return;
        }
        await history.WriteAsync(state.PendingHistory.ToArray(), cancellationToken);
        state.PendingHistory.Clear();
    }

    private async Task CheckpointAsync(int partition, PartitionState state, CancellationToken cancellationToken)
    {
        await EraseOwedAsync(partition, state, cancellationToken);
        await FlushHistoryAsync(state, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a {Schema} event on {Topic}: not one this consumer handles")]
    private static partial void LogSkipped(ILogger logger, string schema, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} twins for partition {Partition}")]
    private static partial void LogRestored(ILogger logger, int count, int partition);

    /// <summary>The twins of one partition number (every patient-keyed topic is co-partitioned) and how far they reach.</summary>
    private sealed class PartitionState(DateTimeOffset now, PartitionClock patients)
    {
        /// <summary>The partition's patients and its event time.</summary>
        public PartitionClock Patients { get; } = patients;

        public Dictionary<TopicPartition, long> NextOffsets { get; } = [];

        public List<VitalPoint> PendingHistory { get; } = [];

        public DateTimeOffset LastCheckpoint { get; set; } = now;

        /// <summary>Events were handled since the last checkpoint.</summary>
        public bool Progressed { get; set; }
    }
}
