using Confluent.Kafka;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Microsoft.Extensions.Options;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Kafka;

namespace VitalTwin.AnomalyDetection;

/// <summary>
/// Detector state per patient on the compacted state topic, co-partitioned with telemetry: partition p of
/// the state topic holds the patients of telemetry partition p. Every checkpoint of a partition rewrites all
/// its patients, so the newest copy of each is always near the end of the log (which is all the embedded
/// Kafka keeps; a real cluster compacts the rest away).
/// </summary>
internal sealed partial class DetectorStateStore(
    EventProducer producer,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IOptions<DetectionOptions> detection,
    TimeProvider clock,
    ILogger<DetectorStateStore> logger)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Writes every patient of a partition as of <paramref name="nextOffset"/> and waits until Kafka has them.</summary>
    public Task SaveAsync(int partition, long nextOffset, IEnumerable<PatientMonitor> patients, CancellationToken cancellationToken)
    {
        var takenAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        var writes = patients.Select(patient =>
        {
            var checkpoint = new PatientDetectorCheckpoint
            {
                PatientId = patient.PatientId,
                State = ByteString.CopyFrom(patient.Checkpoint()),
                TelemetryPartition = partition,
                NextTelemetryOffset = nextOffset,
                TakenAt = takenAt,
            };
            return producer.PublishAsync(topics.Value.DetectorState, patient.PatientId, checkpoint, $"{partition}/{nextOffset}", cancellationToken);
        });
        return Task.WhenAll(writes);
    }

    /// <summary>Tombstones the patient's checkpoint and waits until Kafka has it: no later owner restores their detectors.</summary>
    public Task EraseAsync(string patientId, CancellationToken cancellationToken) =>
        producer.PublishTombstoneAsync(topics.Value.DetectorState, patientId, cancellationToken);

    /// <summary>
    /// Reads a partition's checkpoints from start to end; the newest per patient wins. A checkpoint that cannot
    /// be restored (corrupt, or taken with another detector bank) is dropped and that patient learns afresh.
    /// </summary>
    public IReadOnlyDictionary<string, RestoredPatient> Load(int partition, CancellationToken cancellationToken)
    {
        var stored = CompactedTopicReader.ReadLatest(kafka.Value, new TopicPartition(topics.Value.DetectorState, partition), PatientDetectorCheckpoint.Descriptor, ReadTimeout, cancellationToken);
        var latest = stored.Values.Select(value => PatientDetectorCheckpoint.Parser.ParseFrom(value.Span)).ToDictionary(c => c.PatientId, StringComparer.Ordinal);

        var restored = new Dictionary<string, RestoredPatient>(StringComparer.Ordinal);
        foreach (var (patientId, checkpoint) in latest)
        {
            try
            {
                restored[patientId] = new RestoredPatient(
                    PatientMonitor.Restore(patientId, checkpoint.State.Span, detection.Value),
                    checkpoint.NextTelemetryOffset);
            }
            catch (InvalidDataException)
            {
                LogDropped(logger, partition);
            }
        }
        LogRestored(logger, restored.Count, partition);
        return restored;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored detector state of {Count} patients for partition {Partition}")]
    private static partial void LogRestored(ILogger logger, int count, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A detector checkpoint in partition {Partition} could not be restored; that patient's detectors start afresh")]
    private static partial void LogDropped(ILogger logger, int partition);
}

/// <summary>A patient's monitors as checkpointed, and the first telemetry offset they have not seen.</summary>
internal sealed record RestoredPatient(PatientMonitor Monitor, long NextOffset);
