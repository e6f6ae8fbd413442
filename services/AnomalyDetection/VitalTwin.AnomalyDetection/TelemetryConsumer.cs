using Confluent.Kafka;
using Microsoft.Extensions.Options;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using AnomalyKind = VitalTwin.Contracts.Anomaly.V1.AnomalyKind;

namespace VitalTwin.AnomalyDetection;

/// <summary>
/// Feeds each recorded vital to its patient's monitor and publishes what the detectors flag. State is
/// partition-local: when given a partition it restores that partition's patients, and it stores a
/// partition's offset only together with a checkpoint of its patients, so after a restart every patient
/// continues where the checkpoint left off and no reading is applied twice.
/// </summary>
internal sealed partial class TelemetryConsumer(
    DetectorStateStore store,
    IOptions<DetectionOptions> detection,
    VitalCatalogue catalogue,
    TimeProvider clock,
    DetectionMetrics metrics,
    PipelineMetrics pipeline,
    EventProducer producer,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IHostEnvironment environment,
    ILogger<TelemetryConsumer> logger)
    : EventConsumer(kafka, topics, producer, environment, logger)
{
    private static readonly HashSet<QualityFlag> ArtifactFlags = [QualityFlag.MotionArtifact, QualityFlag.ProbeOff, QualityFlag.Calibrating];

    private readonly ILogger _logger = logger;
    private readonly Dictionary<int, PartitionState> _partitions = [];

    protected override IReadOnlyCollection<string> SubscribedTopics(KafkaTopics topics) => [topics.Telemetry];

    protected override bool StoresOffsetsItself => true;

    protected override void OnPartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            var restored = store.Load(partition.Partition.Value, CancellationToken.None);
            _partitions[partition.Partition.Value] = new PartitionState(restored, clock.GetUtcNow());
        }
    }

    protected override void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            if (_partitions.Remove(partition.Partition.Value, out var state) && state.NextOffset is { } next && next != state.CheckpointedOffset)
            {
                // librdkafka calls this synchronously on the consuming thread (a dedicated one), and the
                // offset may only be stored once the checkpoint is in Kafka, so waiting here is the point.
                CheckpointAsync(partition, state, next, CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        var partition = consumed.Position.Partition.Value;
        var state = _partitions[partition];
        state.NextOffset = consumed.Position.Offset.Value + 1;

        if (consumed.Is(VitalSignsRecorded.Descriptor))
        {
            var recorded = consumed.Parse(VitalSignsRecorded.Parser);
            EnsurePlausible(consumed, recorded, clock.GetUtcNow());
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

    private async Task CheckpointDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var (number, state) in _partitions)
        {
            if (state.NextOffset is { } next && next != state.CheckpointedOffset && now - state.LastCheckpoint >= detection.Value.CheckpointInterval)
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
        var started = clock.GetTimestamp();
        var outcome = patient.Observe(definition.Sign, reading.Value, reading.ObservedAt.ToDateTimeOffset(), reading.QualityFlags.Any(ArtifactFlags.Contains));
        metrics.PointObserved(definition.Sign, clock.GetElapsedTime(started));
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
    }

    private async Task CheckpointAsync(TopicPartition partition, PartitionState state, long nextOffset, CancellationToken cancellationToken)
    {
        await store.SaveAsync(partition.Partition.Value, nextOffset, state.Patients, cancellationToken);
        StoreOffset(new TopicPartitionOffset(partition, nextOffset));
        state.LastCheckpoint = clock.GetUtcNow();
        state.CheckpointedOffset = nextOffset;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a {Schema} event on {Topic}: not one this consumer handles")]
    private static partial void LogSkipped(ILogger logger, string schema, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Sign} reading kept from the detectors as an artifact ({Reason})")]
    private static partial void LogArtifact(ILogger logger, VitalSign sign, ArtifactReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} on {Sign} flagged by {Detector}")]
    private static partial void LogFinding(ILogger logger, Core.AnomalyKind kind, VitalSign sign, DetectorType detector);

    /// <summary>The patients of one telemetry partition and how far their state reaches.</summary>
    private sealed class PartitionState(IReadOnlyDictionary<string, RestoredPatient> restored, DateTimeOffset now)
    {
        private readonly Dictionary<string, PatientMonitor> _patients = restored.ToDictionary(r => r.Key, r => r.Value.Monitor, StringComparer.Ordinal);
        private readonly Dictionary<string, long> _restoredUpTo = restored.ToDictionary(r => r.Key, r => r.Value.NextOffset, StringComparer.Ordinal);

        public IEnumerable<PatientMonitor> Patients => _patients.Values;

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
