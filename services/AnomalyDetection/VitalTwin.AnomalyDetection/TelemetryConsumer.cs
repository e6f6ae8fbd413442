using Confluent.Kafka;
using Microsoft.Extensions.Options;
using VitalTwin.PersonalSettings;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Consent;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using AnomalyKind = VitalTwin.Contracts.Anomaly.V1.AnomalyKind;

namespace VitalTwin.AnomalyDetection;

/// <summary>
/// Feeds each recorded vital to its patient's monitor and publishes what the detectors flag. State is
/// partition-local: when given a partition it restores that partition's patients, and it stores a
/// partition's offset only together with a checkpoint of its patients, so after a restart every patient
/// continues where the checkpoint left off. No reading is applied twice: each patient's monitor knows the readings
/// it has applied by device, boot and sequence number, checkpoint included, so a reading resent through a Gateway
/// that forgot it (restarted, or another replica) lands on a later offset and is still skipped.
/// Consent comes from the consent topic, co-partitioned with telemetry: a patient without monitoring consent has
/// their readings dropped undetected, and a refusal or withdrawal drops their detectors and baselines and tombstones
/// their checkpoint before the record's offset is stored.
/// </summary>
internal sealed partial class TelemetryConsumer(
    DetectorStateStore store,
    IOptions<DetectionOptions> detection,
    PartitionConsents consents,
    AlarmSettingsBook settings,
    VitalCatalogue catalogue,
    DetectionMetrics metrics,
    PipelineMetrics pipeline,
    EventConsumerContext context,
    ILogger<TelemetryConsumer> logger)
    : EventConsumer(context, logger)
{
    private static readonly HashSet<QualityFlag> ArtifactFlags = [QualityFlag.MotionArtifact, QualityFlag.ProbeOff, QualityFlag.Calibrating];

    private readonly ILogger _logger = logger;
    private readonly HeldPartitions _held = new();
    private readonly Dictionary<int, PartitionState> _partitions = [];

    protected override bool StoresOffsetsItself => true;

    protected override void OnPartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var number in _held.Take(partitions))
        {
            // Consents first, so that a patient who refused since their checkpoint is not restored at all.
            var consented = consents.Restore(number);
            var restored = store.Load(number, CancellationToken.None).Where(r => consented.MayProcess(r.Key)).ToDictionary(StringComparer.Ordinal);
            _partitions[number] = new PartitionState(restored, Clock.GetUtcNow());
        }
    }

    protected override void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            if (!_partitions.TryGetValue(partition.Partition.Value, out var state))
            {
                continue;
            }
            // librdkafka calls this synchronously on the consuming thread (a dedicated one), and an offset may only
            // be stored once what it reflects is in Kafka, so waiting here is the point.
            if (partition.Topic == Topics.Consent)
            {
                EraseOwedAsync(partition.Partition.Value, CancellationToken.None).GetAwaiter().GetResult();
            }
            else if (state.NextOffset is { } next && next != state.CheckpointedOffset)
            {
                CheckpointAsync(partition, state, next, CancellationToken.None).GetAwaiter().GetResult();
            }
        }
        foreach (var number in _held.Release(partitions))
        {
            Forget(number);
        }
    }

    // No checkpoint: the partition's new owner restores from the last one and replays what came after it.
    protected override void OnPartitionsLost(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var number in _held.Lose(partitions))
        {
            Forget(number);
        }
    }

    private void Forget(int number)
    {
        consents.Drop([number]);
        _partitions.Remove(number);
    }

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        var partition = consumed.Position.Partition.Value;
        var state = _partitions[partition];
        if (consumed.Topic == Topics.Consent)
        {
            await HandleConsentAsync(consumed, partition, state, cancellationToken);
            return;
        }

        state.NextOffset = consumed.Position.Offset.Value + 1;

        if (consents.Withholds(consumed))
        {
            // Dropped unread, before validation too: a malformed reading would otherwise be copied to the dead-letter topic.
        }
        else if (consumed.Is(VitalSignsRecorded.Descriptor))
        {
            var recorded = consumed.Parse(VitalSignsRecorded.Parser);
            EnsurePlausible(consumed, recorded, Clock.GetUtcNow());
            await ObserveAsync(consumed, recorded, state, cancellationToken);
            pipeline.Processed(recorded.Reading.ObservedAt.ToDateTimeOffset());
        }
        else if (consumed.Schema is null)
        {
            throw new InvalidDataException("The event has no schema header.");
        }
        else
        {
            LogSkipped(_logger, consumed.Schema, consumed.Topic);
        }

        await CheckpointDueAsync(cancellationToken);
    }

    /// <summary>
    /// Throws, so that the event is dead-lettered before it touches any state, unless it is a reading the Gateway
    /// could have accepted, keyed by its own patient (another key would put it on another patient's partition).
    /// A vital this version does not know passes, and is skipped.
    /// </summary>
    private void EnsurePlausible(ConsumedEvent consumed, VitalSignsRecorded recorded, DateTimeOffset now)
    {
        var reading = recorded.Reading ?? throw new InvalidDataException("The event holds no reading.");
        EventContract.EnsureKeyedBy(consumed, reading.PatientId);
        if (string.IsNullOrEmpty(reading.DeviceId) || string.IsNullOrEmpty(recorded.EventId))
        {
            throw new InvalidDataException("The event has no device or event id.");
        }
        if (!EventContract.IsPlausibleTime(reading.ObservedAt, now))
        {
            throw new InvalidDataException("The reading's time is missing or outside any Gateway's window.");
        }
        if (catalogue.TryFind(reading.Code?.Loinc, reading.Code?.Mdc, out var definition)
            && (!string.Equals(reading.Unit, definition.CanonicalUnit, StringComparison.Ordinal) || !definition.IsPlausible(reading.Value)))
        {
            throw new InvalidDataException("The reading is not in its vital's canonical unit and physiological range.");
        }
    }

    protected override Task OnIdleAsync(CancellationToken cancellationToken) => CheckpointDueAsync(cancellationToken);

    /// <summary>
    /// Applies a consent record; when the patient may no longer be monitored, drops their detectors and tombstones their
    /// checkpoint, then stores the record's offset. A tombstone that fails is retried at the next checkpoint and the
    /// consent offset waits for it (dead-lettering would move past the erasure).
    /// </summary>
    private async Task HandleConsentAsync(ConsumedEvent consumed, int partition, PartitionState state, CancellationToken cancellationToken)
    {
        var erase = consents.Apply(consumed);
        if (erase is not null)
        {
            state.Forget(erase);
        }
        consents.Handled(consumed, erase);
        await EraseOwedAsync(partition, cancellationToken);
    }

    /// <summary>Tombstones the checkpoints still owed, then stores the consent offset as far as nothing owed holds it back.</summary>
    private async Task EraseOwedAsync(int partition, CancellationToken cancellationToken)
    {
        await consents.EraseOwedAsync(partition, store.EraseAsync, cancellationToken);
        foreach (var consentOffset in consents.StorableOffset(partition))
        {
            StoreOffset(consentOffset);
        }
    }

    private async Task CheckpointDueAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        foreach (var (number, state) in _partitions)
        {
            if (now - state.LastCheckpoint < detection.Value.CheckpointInterval)
            {
                continue;
            }
            if (consents.Owes(number))
            {
                await EraseOwedAsync(number, cancellationToken);
                state.LastCheckpoint = now;
            }
            if (state.NextOffset is { } next && next != state.CheckpointedOffset)
            {
                await CheckpointAsync(new TopicPartition(Topics.Telemetry, number), state, next, cancellationToken);
            }
        }
    }

    private async Task ObserveAsync(ConsumedEvent consumed, VitalSignsRecorded recorded, PartitionState state, CancellationToken cancellationToken)
    {
        var reading = recorded.Reading;
        if (!catalogue.TryFind(reading.Code?.Loinc, reading.Code?.Mdc, out var definition))
        {
            return;
        }
        if (state.AlreadyApplied(reading.PatientId, consumed.Position.Offset.Value))
        {
            return;
        }
        var patient = state.Patient(reading.PatientId, detection.Value);
        if (!patient.Admit(reading.DeviceId, reading.BootId, reading.SequenceNumber))
        {
            LogResend(_logger);
            return;
        }
        var observedAt = reading.ObservedAt.ToDateTimeOffset();
        var started = Clock.GetTimestamp();
        // Judged at the reading's time, as the alert policy judges settings, so a replay detects the same.
        patient.Personalise(settings.For(reading.PatientId).InForceAt(observedAt));
        var outcome = patient.Observe(definition.Sign, reading.Value, observedAt, reading.QualityFlags.Any(ArtifactFlags.Contains));
        metrics.PointObserved(definition.Sign, Clock.GetElapsedTime(started));
        if (outcome.IsArtifact)
        {
            LogArtifact(_logger, definition.Sign, outcome.Artifact);
            return;
        }
        foreach (var finding in outcome.Findings)
        {
            LogFinding(_logger, finding.Kind, definition.Sign, finding.Detector);
            var anomaly = finding.ToContract(recorded, definition);
            await Producer.PublishAsync(Topics.Anomalies, reading.PatientId, anomaly, anomaly.EventId, cancellationToken);
        }
        if (outcome.Deterioration is { } deterioration)
        {
            LogDeterioration(_logger, deterioration.Pattern);
            var anomaly = deterioration.ToContract(recorded, catalogue);
            await Producer.PublishAsync(Topics.Anomalies, reading.PatientId, anomaly, anomaly.EventId, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a reading its patient's detectors have applied already (a resend)")]
    private static partial void LogResend(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A patient drifted from their usual ({Pattern} pattern)")]
    private static partial void LogDeterioration(ILogger logger, string pattern);

    private async Task CheckpointAsync(TopicPartition partition, PartitionState state, long nextOffset, CancellationToken cancellationToken)
    {
        await store.SaveAsync(partition.Partition.Value, nextOffset, state.Patients, cancellationToken);
        StoreOffset(new TopicPartitionOffset(partition, nextOffset));
        state.LastCheckpoint = Clock.GetUtcNow();
        state.CheckpointedOffset = nextOffset;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a {Schema} event on {Topic}: not one this consumer handles")]
    private static partial void LogSkipped(ILogger logger, string schema, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Sign} reading kept from the detectors as an artifact ({Reason})")]
    private static partial void LogArtifact(ILogger logger, VitalSign sign, ArtifactReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} on {Sign} flagged by {Detector}")]
    private static partial void LogFinding(ILogger logger, Core.AnomalyKind kind, VitalSign sign, DetectorType detector);

    /// <summary>The patients of one partition number and how far their state reaches.</summary>
    private sealed class PartitionState(IReadOnlyDictionary<string, RestoredPatient> restored, DateTimeOffset now)
    {
        private readonly Dictionary<string, PatientMonitor> _patients = restored.ToDictionary(r => r.Key, r => r.Value.Monitor, StringComparer.Ordinal);
        private readonly Dictionary<string, long> _restoredUpTo = restored.ToDictionary(r => r.Key, r => r.Value.NextOffset, StringComparer.Ordinal);

        public IEnumerable<PatientMonitor> Patients => _patients.Values;

        /// <summary>Drops the patient's detectors and baselines; a later reading would start them afresh.</summary>
        public void Forget(string patientId)
        {
            _patients.Remove(patientId);
            _restoredUpTo.Remove(patientId);
        }

        public long? NextOffset { get; set; }

        public DateTimeOffset LastCheckpoint { get; set; } = now;

        public long? CheckpointedOffset { get; set; }

        /// <summary>A reading before the patient's checkpoint offset is already in its restored state.</summary>
        public bool AlreadyApplied(string patientId, long offset) =>
            _restoredUpTo.TryGetValue(patientId, out var next) && offset < next;

        public PatientMonitor Patient(string patientId, DetectionOptions options)
        {
            if (!_patients.TryGetValue(patientId, out var patient))
            {
                patient = new PatientMonitor(patientId, options);
                _patients[patientId] = patient;
            }
            return patient;
        }
    }
}
