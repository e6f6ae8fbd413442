using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;

namespace VitalTwin.AnomalyDetection;

/// <summary>Feeds each recorded vital to its patient's detector and publishes what they flag.</summary>
internal sealed partial class TelemetryConsumer(
    SpikeDetectorBank detectors,
    VitalCatalogue catalogue,
    EventProducer producer,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IHostEnvironment environment,
    ILogger<TelemetryConsumer> logger)
    : EventConsumer(kafka, topics, producer, environment, logger)
{
    // A device that says its reading is unreliable has told us it is an artifact, not physiology.
    private static readonly HashSet<QualityFlag> ArtifactFlags = [QualityFlag.MotionArtifact, QualityFlag.ProbeOff, QualityFlag.Calibrating];

    protected override IReadOnlyCollection<string> SubscribedTopics(KafkaTopics topics) => [topics.Telemetry];

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        if (!consumed.Is(VitalSignsRecorded.Descriptor))
        {
            return;
        }
        var recorded = consumed.Parse(VitalSignsRecorded.Parser);
        var reading = recorded.Reading;
        if (reading.QualityFlags.Any(ArtifactFlags.Contains) || !catalogue.TryFind(reading.Code.Loinc, reading.Code.Mdc, out var definition))
        {
            return;
        }
        var finding = detectors.Observe(reading.PatientId, definition.Sign, reading.Value);
        if (finding is null)
        {
            return;
        }

        LogSpike(logger, definition.Sign);
        var anomaly = new AnomalyDetected
        {
            // Derived from the reading, so a replayed reading yields the same event id and downstream de-duplicates it.
            EventId = $"{recorded.EventId}/iid-spike",
            PatientId = reading.PatientId,
            Code = reading.Code,
            Value = reading.Value,
            Unit = reading.Unit,
            ObservedAt = reading.ObservedAt,
            Kind = AnomalyKind.Spike,
            Detector = Detector.IidSpike,
            Direction = finding.Upward ? Direction.Up : Direction.Down,
            PValue = finding.PValue,
            BaselineMean = finding.BaselineMean,
            WindowSize = (uint)finding.WindowSize,
            Confidence = finding.Confidence,
            SourceEventId = recorded.EventId,
            DeviceId = reading.DeviceId,
        };
        await Producer.PublishAsync(Topics.Anomalies, reading.PatientId, anomaly, anomaly.EventId, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Spike detected on {Sign}")]
    private static partial void LogSpike(ILogger logger, VitalSign sign);
}
